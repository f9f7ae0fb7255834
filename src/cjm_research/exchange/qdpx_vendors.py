"""What REFI-QDA tools write differently, rewritten into the one form the import reads.

- NVivo keeps a case as a node too: a ``Code`` with the ``Case``'s GUID, and the sources that
  belong to the case coded to it. Those are case memberships, not codes: the node leaves the
  codebook, its codings become the case's ``SourceRef``s.
- MAXQDA (and Quirkos) keep a document's variables in a ``Case`` without a name whose one
  ``SourceRef`` is that document: the values move onto the source, where cjm's own export and
  QualCoder put them.
"""

from __future__ import annotations

from lxml import etree

from cjm_research.exchange.qdpx_xml import NS, children, normal_guid


def normalise(root: etree._Element) -> None:
    """Rewrite a parsed ``project.qde`` in place so that case nodes and document variables read
    as cjm's own export writes them."""
    _case_nodes(root)
    _document_variables(root)


def _case_nodes(root: etree._Element) -> None:
    cases = {normal_guid(c.get("guid")): c for c in root.iter("{*}Case")}
    nodes = [c for c in root.iter("{*}Code") if normal_guid(c.get("guid")) in cases]
    if not nodes:
        return
    for node in nodes:
        node.getparent().remove(node)
    for source in root.iter("{*}TextSource"):
        for selection in list(children(source, "PlainTextSelection")):
            for coding in list(children(selection, "Coding")):
                ref = next(children(coding, "CodeRef"), None)
                case = cases.get(normal_guid(ref.get("targetGUID") if ref is not None else ""))
                if case is None:
                    continue
                selection.remove(coding)
                _add_source(case, source.get("guid") or "")
            if not list(children(selection, "Coding")):
                source.remove(selection)


def _add_source(case: etree._Element, guid: str) -> None:
    members = {normal_guid(r.get("targetGUID")) for r in children(case, "SourceRef")}
    if normal_guid(guid) not in members:
        etree.SubElement(case, f"{{{NS}}}SourceRef", targetGUID=guid)


def _document_variables(root: etree._Element) -> None:
    sources = {normal_guid(s.get("guid")): s for s in root.iter("{*}TextSource")}
    for case in list(root.iter("{*}Case")):
        refs = [normal_guid(r.get("targetGUID")) for r in children(case, "SourceRef")]
        if (case.get("name") or "").strip() or len(refs) != 1 or refs[0] not in sources:
            continue
        for value in list(children(case, "VariableValue")):
            sources[refs[0]].append(value)
        case.getparent().remove(case)
