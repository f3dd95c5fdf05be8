"""`otcsms gaps`: the gap list of a site's latest assessment of a framework."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from otcsms.cli_support import DataDir, JsonFlag, fail, find_site, out, require_initialised, setup_django


def gaps(
    site: Annotated[str, typer.Option("--site", help="Site code, name or id.")],
    framework: Annotated[str, typer.Option("--framework", help="Framework key, e.g. iec62443-3-3.")],
    as_json: JsonFlag = False,
    data_dir: DataDir = None,
) -> None:
    """Gap list (not met, partially met) of the latest assessment; exit 1 when there are gaps."""
    setup_django(data_dir)
    require_initialised()
    from otcsms.assessments import services

    target = find_site(site)
    assessment = services.latest_assessment(target, framework)
    if assessment is None:
        fail(f"no assessment of {framework!r} at {target.name}")
    zones = {z.pk: z.name for z in services.zones_in_scope(assessment)}
    found = services.gaps(assessment)
    rows = [
        {"framework": g.key[0], "requirement": g.ref, "title": g.title, "zone": zones.get(g.scope),
         "status": g.status, "sl_needed": g.sl_needed}
        for g in found
    ]  # fmt: skip
    if as_json:
        print(json.dumps({"assessment": assessment.name, "site": target.name, "gaps": rows}))
    else:
        out.print(f"{assessment.name}: {len(rows)} gaps", highlight=False)
        for row in rows:
            where = f" [{row['zone']}]" if row["zone"] else ""
            level = f" SL{row['sl_needed']}" if row["sl_needed"] else ""
            out.print(
                f"  {row['status']:<14} {row['requirement']:<14}{level}{where}  {row['title']}",
                highlight=False,
            )
    if rows:
        raise typer.Exit(1)
