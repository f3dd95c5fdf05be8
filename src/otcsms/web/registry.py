"""What the web interface adds to otcsms besides its own pages (web/urls.py is the root the apps join)."""

from otcsms.core.registry import Contributions, NavEntry

contributions = Contributions(
    navigation=(
        NavEntry("Dashboard", "web:dashboard", 0),
        NavEntry("Findings", "web:finding_list", 800),
        NavEntry("Audit trail", "web:audit", 900),
    ),
)
