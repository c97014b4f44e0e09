"""What Word would refuse in a .docx that python-docx and LibreOffice read without a word: the
children of pPr, rPr, tblPr, sectPr, numbering and their kin out of the schema's order or
repeated, bookmarks unpaired, links to bookmarks that are not there, two drawings with one id,
relationships to parts the package lacks. Adapted from the reviewer's checker of issue 21."""
import zipfile

import lxml.etree as etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
WP = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
# Each container's children in the order ECMA-376 (transitional) requires.
ORDER = {name: tuple(children.split()) for name, children in {
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike dstrike outline shadow emboss imprint "
           "noProof snapToGrid vanish webHidden color spacing w kern position sz szCs highlight u "
           "effect bdr shd fitText vertAlign rtl cs em lang eastAsianLayout specVanish oMath",
    "pPr": "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr "
           "suppressLineNumbers pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct "
           "topLinePunct autoSpaceDE autoSpaceDN bidi adjustRightInd snapToGrid spacing ind "
           "contextualSpacing mirrorIndents suppressOverlap jc textDirection textAlignment "
           "textboxTightWrap outlineLvl divId cnfStyle rPr sectPr pPrChange",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW "
             "jc tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption "
             "tblDescription",
    "tcPr": "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection "
            "tcFitText vAlign hideMark",
    "sectPr": "headerReference footerReference footnotePr endnotePr type pgSz pgMar paperSrc "
              "pgBorders lnNumType pgNumType cols formProt vAlign noEndnote titlePg "
              "textDirection bidi rtlGutter docGrid printerSettings sectPrChange",
    "style": "name aliases basedOn next link autoRedefine hidden uiPriority semiHidden "
             "unhideWhenUsed qFormat locked personal personalCompose personalReply rsid pPr rPr "
             "tblPr trPr tcPr tblStylePr",
    "lvl": "start numFmt lvlRestart pStyle isLgl suff lvlText lvlPicBulletId legacy lvlJc pPr "
           "rPr",
    "abstractNum": "nsid multiLevelType tmpl name styleLink numStyleLink lvl",
    "numbering": "numPicBullet abstractNum num numIdMacAtCleanup",
    "tblBorders": "top left start bottom right end insideH insideV",
    "tcBorders": "top left start bottom right end insideH insideV tl2br tr2bl",
    "pBdr": "top left bottom right between bar",
    "tblCellMar": "top left start bottom right end",
    "tcMar": "top left start bottom right end",
    "tblStylePr": "pPr rPr tblPr trPr tcPr",
    "numPr": "ilvl numId numberingChange ins",
    "docDefaults": "rPrDefault pPrDefault",
}.items()}
REPEATABLE = {"numbering", "style", "abstractNum", "tblStylePr", "sectPr"}


def local(el) -> str:
    return el.tag.split("}")[1]


def order_problems(path) -> list[str]:
    """Each thing in the .docx at path that Word's schema forbids, as 'part: what'."""
    problems = []
    with zipfile.ZipFile(path) as package:
        names = set(package.namelist())
        parts = {n: etree.fromstring(package.read(n)) for n in names
                 if n.startswith("word/") and n.endswith(".xml")}
        rels = {n: etree.fromstring(package.read(n)) for n in names if n.endswith(".rels")}
    for name, root in parts.items():
        for el in root.iter(f"{{{W}}}*"):
            order = ORDER.get(local(el))
            if order is None:
                continue
            kids = [local(c) for c in el
                    if isinstance(c.tag, str) and c.tag.startswith(f"{{{W}}}")]
            unknown = [k for k in kids if k not in order]
            if unknown:
                problems.append(f"{name}: {local(el)} has {unknown}")
            known = [order.index(k) for k in kids if k in order]
            if known != sorted(known):
                problems.append(f"{name}: {local(el)} out of order {kids}")
            twice = {k for k in kids if kids.count(k) > 1} - {"headerReference",
                                                                "footerReference", "lvl"}
            if twice and local(el) not in REPEATABLE:
                problems.append(f"{name}: {local(el)} repeats {sorted(twice)}")
    doc = parts["word/document.xml"]
    starts = [(b.get(f"{{{W}}}id"), b.get(f"{{{W}}}name"))
              for b in doc.iter(f"{{{W}}}bookmarkStart")]
    ends = [b.get(f"{{{W}}}id") for b in doc.iter(f"{{{W}}}bookmarkEnd")]
    ids, marks = [i for i, _ in starts], [m for _, m in starts]
    if len(set(ids)) != len(ids) or len(set(marks)) != len(marks) or sorted(ids) != sorted(ends):
        problems.append(f"bookmarks unpaired or repeated: {starts} {ends}")
    anchors = {h.get(f"{{{W}}}anchor") for h in doc.iter(f"{{{W}}}hyperlink")} - {None}
    if anchors - set(marks):
        problems.append(f"links to missing bookmarks: {sorted(anchors - set(marks))}")
    drawings = [d.get("id") for root in parts.values() for d in root.iter(f"{{{WP}}}docPr")]
    if len(set(drawings)) != len(drawings):
        problems.append(f"drawing ids repeated: {drawings}")
    for name, root in rels.items():
        folder = name.replace("_rels/", "").rsplit("/", 1)[0] if "/" in name.replace(
            "_rels/", "") else ""
        for rel in root:
            if rel.get("TargetMode") == "External":
                continue
            target = rel.get("Target")
            steps = []
            for step in (target[1:] if target.startswith("/") else
                         "/".join(filter(None, (folder, target)))).split("/"):
                if step == "..":
                    steps.pop()
                else:
                    steps.append(step)
            if "/".join(steps) not in names:
                problems.append(f"{name}: no part {target}")
    related = {r.get("Id") for r in rels["word/_rels/document.xml.rels"]}
    for el in doc.iter():
        for key, value in el.attrib.items():
            if key.startswith(f"{{{R}}}") and value not in related:
                problems.append(f"document.xml: no relationship {value}")
    return problems
