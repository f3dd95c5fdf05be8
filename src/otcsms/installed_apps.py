"""The otcsms apps of this instance, in layer order: an app may use the apps before it, never those after it.

``settings.INSTALLED_APPS`` is Django's and the libraries' apps followed by these. The command line reads
this list too, before any settings exist (``otcsms --help``, ``otcsms init --data-dir X``: the settings
read the data directory when they are imported, so the CLI must not import them to find its commands).
Keep this module free of imports and of anything read from the environment.
"""

OTCSMS_APPS: tuple[str, ...] = (
    "otcsms.core",
    "otcsms.tenancy",
    "otcsms.links",
    "otcsms.signin",
    "otcsms.checks",
    "otcsms.org",
    "otcsms.plant",
    "otcsms.people",
    "otcsms.catalogs",
    "otcsms.jobs",
    "otcsms.directory",
    "otcsms.assessments",
    "otcsms.evidence",
    "otcsms.access",
    "otcsms.configs",
    "otcsms.risk",
    "otcsms.roadmap",
    "otcsms.resilience",
    "otcsms.improvement",
    "otcsms.reports",
    "otcsms.web",
)
