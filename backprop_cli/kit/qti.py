"""Canvas QTI 1.2: a zip with imsmanifest.xml and one assessment, a section per variant
and in it a numerical_question item per asked number, each right within its tolerance
(checks.tolerance: 1% of the answer, at least 1e-4; Canvas rounds answers to 4 decimals,
which is why no asked number under 1e-4 is drawn). Built with zipfile and xml.etree;
the zip's dates are fixed, so the same folder gives the same bytes.
"""

from __future__ import annotations

import html
import io
import xml.etree.ElementTree as ET
import zipfile

from .asked import entries
from .checks import tolerance
from .export import Item, number

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
QUIZ_FILE = "backprop_quiz/backprop_quiz.xml"


def qti_zip(items: list[Item], title: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in (("imsmanifest.xml", _manifest()), (QUIZ_FILE, assessment(items, title))):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buffer.getvalue()


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def _manifest() -> bytes:
    root = ET.Element("manifest", {"identifier": "backprop_manifest", "xmlns": CP})
    meta = ET.SubElement(root, "metadata")
    ET.SubElement(meta, "schema").text = "IMS Content"
    ET.SubElement(meta, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    resource = ET.SubElement(resources, "resource", identifier="backprop_quiz",
                             type="imsqti_xmlv1p2", href=QUIZ_FILE)
    ET.SubElement(resource, "file", href=QUIZ_FILE)
    return _xml(root)


def assessment(items: list[Item], title: str) -> bytes:
    root = ET.Element("questestinterop", {"xmlns": QTI, "xmlns:xsi": XSI,
                                          "xsi:schemaLocation": f"{QTI} {QTI}p1.xsd"})
    test = ET.SubElement(root, "assessment", ident="backprop_quiz", title=title)
    _metadata(test, [("cc_maxattempts", "1")])
    root_section = ET.SubElement(test, "section", ident="root_section")
    for item in items:
        section = ET.SubElement(root_section, "section", ident=item.name, title=item.name)
        for q, answer in zip(item.questions, item.answers):
            for key, value in entries(answer):
                section.append(_item(item, q, key[len(answer["key"]):], key, value))
    return _xml(root)


def _metadata(parent, fields) -> None:
    meta = ET.SubElement(parent, "qtimetadata")
    for label, entry in fields:
        field = ET.SubElement(meta, "qtimetadatafield")
        ET.SubElement(field, "fieldlabel").text = label
        ET.SubElement(field, "fieldentry").text = entry


def _item(item: Item, q, where: str, key: str, value) -> ET.Element:
    """The item of one number: `key` (gradients.W1.2.3), `where` its entry (.2.3) or ''."""
    entry = f" entry ({where.strip('.').replace('.', ', ')})" if where else ""
    node = ET.Element("item", ident=f"{item.name}_{key.replace('.', '_')}",
                      title=f"{item.name} {q.label}{entry}")
    meta = ET.SubElement(node, "itemmetadata")
    _metadata(meta, [("question_type", "numerical_question"), ("points_possible", "1.0")])
    presentation = ET.SubElement(node, "presentation")
    material = ET.SubElement(presentation, "material")
    sentence = f"Compute {q.text}." if q.text else "Compute:"
    text = (f"<pre>{html.escape(item.given, quote=False)}</pre>"
            f"<p>{html.escape(q.label)}. {html.escape(sentence)}</p>"
            f"<p>{html.escape(q.lhs.unicode)}{html.escape(entry)} =</p>")
    ET.SubElement(material, "mattext", texttype="text/html").text = text
    response = ET.SubElement(presentation, "response_str", ident="response1", rcardinality="Single")
    fib = ET.SubElement(response, "render_fib", fibtype="Decimal")
    ET.SubElement(fib, "response_label", ident="answer1")
    processing = ET.SubElement(node, "resprocessing")
    outcomes = ET.SubElement(processing, "outcomes")
    ET.SubElement(outcomes, "decvar", maxvalue="100", minvalue="0", varname="SCORE",
                  vartype="Decimal")
    condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
    either = ET.SubElement(ET.SubElement(condition, "conditionvar"), "or")
    ET.SubElement(either, "varequal", respident="response1").text = number(value)
    both = ET.SubElement(either, "and")
    margin = tolerance(value)
    ET.SubElement(both, "vargte", respident="response1").text = number(value - margin)
    ET.SubElement(both, "varlte", respident="response1").text = number(value + margin)
    ET.SubElement(condition, "setvar", action="Set", varname="SCORE").text = "100"
    return node

