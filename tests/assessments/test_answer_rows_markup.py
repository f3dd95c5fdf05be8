"""The answer page writes its rows in Python (answer_html.py) for speed: the markup must stay what the template's
loop wrote, for every kind of row (a zone's own answer, an inherited one, the site's, a parent zone's, hostile
text) and for a writer and a reader."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.utils.safestring import mark_safe

from otcsms.assessments import answer_html, services, views
from otcsms.assessments.models import Response

# The loop of assessments/answer.html before its rows moved to answer_html.py, verbatim.
TEMPLATE_ROWS = Template("""{% for row in rows %}
<tr data-slot="{{ row.key }}" data-label="{{ row.slot.ref }}{% if row.zone %} in {{ row.zone.name }}{% elif zone_based %} for the site{% endif %}" tabindex="-1" class="st-{{ row.status }}{% if row.inherited_from %} inherited{% endif %}">
<td>{% if can_answer %}<input type="checkbox" name="slot" value="{{ row.key }}" aria-label="Select {{ row.slot.ref }}">{% endif %}</td>
<td><code>{{ row.slot.ref }}</code>{% if row.slot.sl_required %} <span class="badge">SL{{ row.slot.sl_required }}</span>{% endif %}</td>
<td>{{ row.title }}{% if row.guidance %}<details class="guidance-panel" data-guidance="{{ row.slot.requirement_id|stringformat:"d" }}"><summary>Guidance</summary></details>{% endif %}</td><td>{{ row.zone.name|default:"site" }}{% if row.for_many %}<br><span class="muted for-many">{% if row.zone %}also for the zones below without their own answer{% else %}for every zone without its own answer{% endif %}</span>{% endif %}</td>
<td>{% if can_answer %}<select class="status-select" aria-label="Status of {{ row.slot.ref }}">{{ row.status_options }}</select>{% else %}{{ row.status }}{% endif %}{% if row.inherited_from %}<br><span class="muted inherited-note">inherited from {{ row.inherited_from }}</span>{% if can_answer %} <button type="submit" form="override" name="slot" value="{{ row.key }}" class="override" title="Give this zone its own answer, starting from the inherited one">Override</button>{% endif %}{% endif %}</td>
<td>{% if can_answer %}<input class="comment-input" value="{{ row.response.comment|default:'' }}"{% if row.inherited_from %} placeholder="{{ row.in_force.answer.comment }}"{% endif %} maxlength="10000" aria-label="Comment on {{ row.slot.ref }}">{% elif row.inherited_from %}{{ row.in_force.answer.comment }}{% else %}{{ row.response.comment|default:"" }}{% endif %}</td>
<td>{% if can_answer %}<select class="owner-select" aria-label="Owner of {{ row.slot.ref }}">{{ row.owner_options }}</select>{% else %}{{ row.response.owner|default:"" }}{% endif %}</td>
{% if evidence_column %}<td class="evidence">{{ row.evidence }}</td>{% endif %}
<td class="save-state">{% if can_answer %}<span class="save-text"></span> <button type="button" class="save-retry" hidden style="display: none">Retry</button>{% endif %}</td>
<td><a href="{{ row.why_url }}" title="What this answer gives other frameworks, and why">Why</a>{% if row.history_url %} · <a href="{{ row.history_url }}">History</a>{% endif %}</td></tr>
{% endfor %}""")  # fmt: skip


@pytest.mark.parametrize("can_answer", [True, False])
def test_rows_written_in_python_equal_the_template_loop(
    site_a, library, zones, parent_zone, a_contributor, can_answer
):
    assessment = services.create_assessment(site=site_a, framework=library["sr"], name="Markup")
    sr = {r.ref: r for r in library["sr"].requirements.all()}
    control, dmz = zones["control"].pk, zones["dmz"].pk
    services.set_responses(assessment, [
        services.Answer(sr["SR 1.1"].pk, None, "met", comment='Site IdP <b>"one"</b> & \'all\''),
        services.Answer(sr["SR 5.1"].pk, parent_zone.pk, "not_met", comment="Flat network"),
        services.Answer(sr["SR 1.3"].pk, control, "partially_met", comment="Some <accounts>",
                        owner_id=a_contributor.pk),
        services.Answer(sr["SR 5.1"].pk, dmz, "not_applicable", comment="No <routing> here"),
        services.Answer(sr["SR 1.1 RE 1"].pk, control, "not_assessed", comment="To check"),
    ], a_contributor)  # fmt: skip
    in_scope = {z.pk: z for z in services.zones_in_scope(assessment)}
    rows = views._answer_rows(assessment, in_scope)
    views._prepare_selects(rows, [(a_contributor.pk, a_contributor.username)], assessment)
    for row in rows:
        found = Response.objects.filter(pk=row.response.pk).first() if row.response else None
        cell = f'<a href="/e/{found.pk}">evidence &amp; more</a>' if found else ""
        # as the page gives it (safe HTML), and once as plain text (escaped like the template does)
        row.evidence = cell if found and found.status == "not_met" else mark_safe(cell)
    # every kind of row is there: inherited from the site and from a parent zone, for many, with an owner
    assert {row.inherited_from for row in rows} >= {"", "site", "Plant"}
    assert any(row.for_many and row.zone is None for row in rows)
    assert any(row.for_many and row.zone is not None for row in rows)
    assert any(row.response and row.response.owner_id for row in rows)
    for zone_based, evidence_column in ((True, True), (False, False)):
        flags = {"can_answer": can_answer, "zone_based": zone_based, "evidence_column": evidence_column}
        expected = TEMPLATE_ROWS.render(Context({"rows": rows, **flags}))
        assert answer_html.rows_html(rows, **flags) == expected
