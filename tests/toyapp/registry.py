"""Everything the toy app adds to otcsms, declared here and nowhere else."""

from otcsms.core.registry import CliCommand, Contributions, DemoStep, NavEntry

contributions = Contributions(
    api_router="tests.toyapp.api.router",
    urls="tests.toyapp.urls",
    navigation=(NavEntry("Gadgets", "web:gadget_list", 500, org_admins_only=True),),
    cli=(CliCommand("gadgets", "tests.toyapp.cli.gadgets"),),
    demo=(DemoStep("tests.toyapp.demo.load_gadgets", 900),),
    checks_module="tests.toyapp.checks",
    jobs=("tests.toyapp.jobs.count_gadgets",),
    access_objects="tests.toyapp.testing.access_objects",
    evidence_targets=("toyapp.gadget",),  # documents may evidence a gadget (the evidence app is not edited)
)
