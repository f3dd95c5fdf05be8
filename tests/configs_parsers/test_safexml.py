"""Hostile XML is refused with a ParseError, before it can expand, read files or reach the network."""

from __future__ import annotations

import pytest

from otcsms.configs.parsers import ParseError, parse
from otcsms.configs.parsers.safexml import fingerprint, parse_xml, root_name

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<lolz a="&lol9;">&lol9;</lolz>'
)
XXE = (
    b'<?xml version="1.0"?>\n<!DOCTYPE UANodeSet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b'<UANodeSet xmlns="http://opcfoundation.org/UA/2011/03/UANodeSet.xsd"><Aliases><Alias Alias="x">&xxe;</Alias>'
    b"</Aliases></UANodeSet>"
)
EXTERNAL_DTD = b'<?xml version="1.0"?><!DOCTYPE SCL SYSTEM "http://127.0.0.1:9/scl.dtd"><SCL/>'
PARAMETER_ENTITY = (
    b'<!DOCTYPE r [<!ENTITY % ext SYSTEM "file:///etc/passwd"> %ext;]><r/>'  # no XML declaration before it
)


@pytest.mark.parametrize(
    "data",
    [BILLION_LAUGHS, XXE, EXTERNAL_DTD, PARAMETER_ENTITY],
    ids=["billion-laughs", "xxe", "dtd", "param"],
)
def test_a_document_type_declaration_is_refused(data):
    with pytest.raises(ParseError, match="DOCTYPE"):
        parse_xml(data)


def test_a_doctype_hidden_after_comments_and_a_bom_is_refused():
    data = b"\xef\xbb\xbf<?xml version='1.0'?>\n<!-- a -->\n<?pi x?>\n" + XXE.split(b"\n", 1)[1]
    with pytest.raises(ParseError, match="DOCTYPE"):
        parse_xml(data)


def test_a_doctype_in_utf16_is_refused_after_parsing():
    data = (
        XXE.decode()
        .replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
        .encode("utf-16")
    )
    with pytest.raises(ParseError) as refused:
        parse_xml(data)
    assert "passwd" not in str(refused.value)
    assert "root:" not in str(refused.value)


def test_the_expansion_is_refused_even_past_the_prefilter(monkeypatch):
    """libxml2's own limits are on too: the byte check is not the only guard (here it is bypassed)."""
    import re

    from otcsms.configs.parsers import safexml

    monkeypatch.setattr(safexml, "_DOCTYPE_IN_PROLOG", re.compile(rb"(?!)"))
    with pytest.raises(ParseError, match="entity|DOCTYPE"):
        parse_xml(BILLION_LAUGHS)


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    declared = b"<r>" + b"x" * 2048 + b"</r>"
    with pytest.raises(ParseError, match="over the 1024 byte limit"):
        parse_xml(declared, max_bytes=1024)


def test_a_1_gb_declared_entity_is_refused():
    data = (
        b'<!DOCTYPE r [<!ENTITY a "' + b"A" * 1024 + b'">'
        b'<!ENTITY b "' + b"&a;" * 1024 + b'"><!ENTITY c "' + b"&b;" * 1024 + b'">]><r>&c;</r>'
    )  # &c; would be 1024^3 bytes = 1 GiB
    with pytest.raises(ParseError, match="DOCTYPE"):
        parse_xml(data)


def test_a_text_node_over_libxml2s_limit_is_refused():
    data = b"<r>" + b"x" * (10_000_001) + b"</r>"  # huge_tree=False caps a text node at 10 MB
    with pytest.raises(ParseError, match="not well-formed"):
        parse_xml(data)


def test_the_registry_refuses_an_oversized_file_before_sniffing():
    from otcsms.configs import parsers

    with pytest.raises(ParseError, match="byte limit"):
        parse("big.xml", b" " * (parsers.MAX_BYTES + 1))


def test_deep_nesting_of_10000_levels_is_refused():
    data = b"<a>" * 10_000 + b"</a>" * 10_000
    with pytest.raises(ParseError, match="deeper"):
        parse_xml(data)


def test_nesting_over_our_own_limit_is_refused_and_under_it_accepted():
    with pytest.raises(ParseError, match="deeper than 20 levels"):
        parse_xml(b"<a>" * 21 + b"</a>" * 21, max_depth=20)
    assert parse_xml(b"<a>" * 20 + b"</a>" * 20, max_depth=20).tag == "a"


def test_malformed_xml_gives_one_line_with_the_line_number():
    with pytest.raises(ParseError) as refused:
        parse_xml(b"<a>\n<b>\n</a>")
    message = str(refused.value)
    assert "\n" not in message
    assert "line 3" in message


def test_root_name_skips_the_prolog():
    assert (
        root_name(b'\xef\xbb\xbf<?xml version="1.0"?>\n<!-- c -->\n<ns:UANodeSet xmlns:ns="x">')
        == "UANodeSet"
    )
    assert root_name(b"hostname x") is None


def test_fingerprint_ignores_layout_and_named_elements_but_not_content():
    first = parse_xml(b'<r b="2" a="1"><x>one  two</x><Comment>c</Comment></r>')
    same = parse_xml(b'<r a="1" b="2">\n  <x>one two</x>\n</r>')
    changed = parse_xml(b'<r a="1" b="2"><x>one three</x></r>')
    reordered = parse_xml(b'<r a="1" b="2"><y/><x>one two</x></r>')
    plain = parse_xml(b'<r a="1" b="2"><x>one two</x><y/></r>')
    assert fingerprint(first, ["Comment"]) == fingerprint(same, ["Comment"])
    assert fingerprint(first, ["Comment"]) != fingerprint(first)
    assert fingerprint(same) != fingerprint(changed)
    assert fingerprint(reordered) != fingerprint(plain)
