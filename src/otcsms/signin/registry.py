"""What the signin app adds to otcsms (read by core.registry; import paths only, no models)."""

from otcsms.core.registry import Contributions, DemoStep, NavEntry

contributions = Contributions(
    api_router="otcsms.signin.api.router",
    urls="otcsms.signin.urls",
    navigation=(
        NavEntry("Sign-in & sessions", "web:signin_security", 870),
        NavEntry("MFA policy", "web:signin_policy", 875, org_admins_only=True),
    ),
    demo=(DemoStep("otcsms.signin.demo.load_demo_signin", 310),),
    org_wide_paths=("mfa-policy",),
    self_service_paths=("/sessions", "/sessions/{pk}/revoke", "/mfa/devices", "/mfa/devices/{kind}/{pk}"),
)
