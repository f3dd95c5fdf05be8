"""`otcsms kpi capture` and `otcsms kpi show` as real processes on a real instance; bad usage exits 2."""

from __future__ import annotations

import json


def test_capture_then_show_and_bad_usage(initialised_instance, tmp_path):
    instance = initialised_instance
    instance.run("kpi", "capture", "--site", "nowhere", check=2)
    assert instance.sql("SELECT COUNT(*) FROM improvement_kpisnapshot")[0][0] == 0
    sites = tmp_path / "sites.csv"
    sites.write_text("name\nMill One\n", encoding="utf-8")
    instance.run("import", "sites", str(sites))
    assert instance.run("kpi", "show", "--site", "mill-one", check=1).stderr.startswith(
        "otcsms: no KPI captured"
    )
    captured = json.loads(instance.run("kpi", "capture", "--json").stdout)
    assert captured["sites"] == 1 and captured["values"] > 0 and captured["errors"] == []
    shown = json.loads(instance.run("kpi", "show", "--site", "mill-one", "--json").stdout)
    by_key = {k["key"]: k for k in shown["kpis"]}
    assert by_key["findings.open"]["values"]["high"] == 0 and by_key["evidence.fresh"]["values"] == {}
    text = instance.run("kpi", "show", "--site", "mill-one").stdout
    assert "Open findings by severity" in text
    actors = {r[0] for r in instance.sql("SELECT DISTINCT actor_kind FROM core_auditevent "
                                         "WHERE object_type = 'improvement.kpisnapshot'")}  # fmt: skip
    assert actors == {"cli"}
