#!/usr/bin/env python3
"""Make the importer fixtures in this folder.

All text is invented for these tests. Run from anywhere:

    pip install openpyxl python-docx odfpy reportlab
    python3 crates/axial-formats/test_data/import/make_fixtures.py

The ZIP-based files (DOCX, ODT, XLSX) carry timestamps, so a re-run gives
files with different bytes but the same text; the tests assert on the text.
"""

import datetime
import io
import os
import random
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

# One short interview used, in some form, by every document fixture: it has
# a Latin letter with diaeresis (Zoë, naïve), an emoji, Hebrew, Arabic and a
# decomposed e + combining acute accent (e\u0301), which must stay decomposed.
TITLE = "Interview 07 with Zoë"
TURNS = [
    ("Interviewer", "Thank you for coming, Zoë. How did the project start?"),
    ("P07", "It started with a naïve idea 😀 and a notebook."),
    ("Interviewer", "Which words did people use for it?"),
    ("P07", "My grandmother said שלום and my neighbour said مرحبا; the caf\u0065\u0301 owner just smiled."),
]


def write(name, data):
    mode = "wb" if isinstance(data, bytes) else "w"
    kwargs = {} if isinstance(data, bytes) else {"encoding": "utf-8", "newline": ""}
    with open(os.path.join(HERE, name), mode, **kwargs) as f:
        f.write(data)


def plain_transcript(sep="\n"):
    lines = [TITLE, ""] + [f"{who}: {what}" for who, what in TURNS]
    return sep.join(lines) + sep


def text_files():
    write("interview.txt", plain_transcript())
    write("interview_crlf.txt", plain_transcript("\r\n").encode("utf-8"))
    write("interview_utf16le.txt", b"\xff\xfe" + plain_transcript("\r\n").encode("utf-16-le"))
    # Windows-1252 cannot hold the emoji, Hebrew or Arabic: Latin text only.
    legacy = "Interviewer: Zoë, was it naïve?\r\nP07: Perhaps \u201cna\u00efve\u201d \u2013 but honest.\r\n"
    write("legacy_cp1252.txt", legacy.encode("cp1252"))
    write("empty.txt", b"")
    write("binary.txt", b"Zo\xc3\xab\x00\x01\x02\x00\x00binary\x00data" * 4)
    write("with_nul.md", "# Notes\n\nZoë\u0000 wrote this.\n".encode("utf-8"))


def markdown():
    md = (
        f"# {TITLE}\n\n"
        "Recorded in the *community garden*; notes by the interviewer.\n\n"
        "## Transcript\n\n"
        + "\n\n".join(f"**{who}**: {what}" for who, what in TURNS)
        + "\n"
    )
    write("notes.md", md)


def html():
    body = "".join(f"<p><b>{who}:</b> {what}</p>\n" for who, what in TURNS)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{TITLE}</title>
<style>p {{ margin: 0 }}</style><script>console.log("not text");</script></head>
<body>
<h1>{TITLE.replace("Zoë", "Zo&euml;")}</h1>
<div class="meta">Place: garden &amp; kitchen<br>Date: 3&nbsp;May</div>
{body}<ul><li>first    note</li><li>second note &#x1F600;</li></ul>
<table><tr><th>Code</th><th>Count</th></tr><tr><td>hope</td><td>3</td></tr></table>
</body></html>
"""
    write("page.html", page)


def docx_file():
    import docx

    d = docx.Document()
    d.core_properties.title = TITLE
    d.add_heading(TITLE, level=1)
    for who, what in TURNS:
        p = d.add_paragraph()
        p.add_run(f"{who}:").bold = True
        p.add_run(f" {what}")
    p = d.add_paragraph()
    run = p.add_run("Notes:")
    run.add_tab()
    run.add_text("garden")
    run.add_break()
    run.add_text("second line")
    d.add_paragraph("")  # an empty paragraph, used for spacing
    table = d.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "naïve"
    table.rows[0].cells[1].text = "😀"
    d.add_comment(d.paragraphs[1].runs[1], text="check this", author="Coder", initials="C")
    buf = io.BytesIO()
    d.save(buf)
    data = buf.getvalue()
    write("interview.docx", data)
    write("truncated.docx", data[: len(data) // 2])
    write("not_a_zip.docx", "This is a plain text file with a .docx name, Zoë.\n")


def odt_file():
    from odf import dc, teletype
    from odf.opendocument import OpenDocumentText
    from odf.text import H, LineBreak, Note, NoteBody, NoteCitation, P, S, Span, Tab

    doc = OpenDocumentText()
    doc.meta.addElement(dc.Title(text=TITLE))
    doc.text.addElement(H(outlinelevel=1, text=TITLE))
    for who, what in TURNS:
        p = P()
        p.addElement(Span(text=f"{who}:"))
        teletype.addTextToElement(p, f" {what}")
        doc.text.addElement(p)
    p = P(text="Spaces:")
    p.addElement(S(c=3))
    p.addText("three")
    p.addElement(Tab())
    p.addText("tab")
    p.addElement(LineBreak())
    p.addText("new line")
    note = Note(noteclass="footnote", id="ftn1")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text="A footnote that is not imported."))
    note.addElement(body)
    p.addElement(note)
    doc.text.addElement(p)
    buf = io.BytesIO()
    doc.write(buf)
    write("interview.odt", buf.getvalue())


def rtf_escape(s):
    """RTF for a string: ASCII as is, Windows-1252 letters as \\'hh, the rest as \\uN?."""
    out = []
    for ch in s:
        code = ord(ch)
        if ch in "\\{}":
            out.append("\\" + ch)
        elif code < 128:
            out.append(ch)
        else:
            try:
                b = ch.encode("cp1252")
                out.append("\\'%02x" % b[0])
            except UnicodeEncodeError:
                for unit in [int.from_bytes(ch.encode("utf-16-be")[i:i + 2], "big") for i in range(0, len(ch.encode("utf-16-be")), 2)]:
                    signed = unit - 65536 if unit > 32767 else unit
                    out.append("\\u%d?" % signed)
    return "".join(out)


def rtf_file():
    paras = "".join(f"{{\\b {rtf_escape(who)}:}} {rtf_escape(what)}\\par\n" for who, what in TURNS)
    rtf = (
        "{\\rtf1\\ansi\\ansicpg1252\\deff0\\uc1\n"
        "{\\fonttbl{\\f0\\fswiss\\fcharset0 Arial;}{\\f1\\fnil\\fcharset204 Arial Cyr;}}\n"
        "{\\colortbl;\\red255\\green0\\blue0;}\n"
        "{\\*\\generator fixture script;}\n"
        f"{{\\info{{\\title {rtf_escape(TITLE)}}}{{\\author Axial tests}}}}\n"
        f"\\pard\\plain {{\\b {rtf_escape(TITLE)}}}\\par\n"
        + paras
        + "Notes:\\tab garden\\line second line \\f1 \\'cf\\'f0\\'e8\\'e2\\'e5\\'f2\\f0  (Cyrillic)\\par\n"
        "}\n"
    )
    write("interview.rtf", rtf)


def subtitles():
    times = [(0, 3200), (3200, 7000), (7000, 9500), (9500, 15000)]

    def ts(ms, sep):
        h, rem = divmod(ms, 3_600_000)
        m, rem = divmod(rem, 60_000)
        s, milli = divmod(rem, 1000)
        return f"{h:02}:{m:02}:{s:02}{sep}{milli:03}"

    vtt = ["WEBVTT - " + TITLE, "", "NOTE made by the fixture script", ""]
    for i, ((who, what), (a, b)) in enumerate(zip(TURNS, times)):
        vtt += [f"cue-{i + 1}", f"{ts(a, '.')} --> {ts(b, '.')} align:start", f"<v {who}>{what.replace('&', '&amp;')}</v>", ""]
    # A second cue for the same speaker is merged into the previous turn.
    vtt += ["00:00:15.000 --> 00:00:16.500", "<v P07>Sorry, <i>one more</i> thing.", ""]
    write("interview.vtt", "\n".join(vtt))

    srt = []
    for i, ((who, what), (a, b)) in enumerate(zip(TURNS, times)):
        srt += [str(i + 1), f"{ts(a, ',')} --> {ts(b, ',')}", f"{who}: {what}", ""]
    srt += ["5", "00:00:15,000 --> 00:00:16,500", "<i>(laughter)</i>", ""]
    write("interview.srt", "\r\n".join(srt).encode("utf-8"))


def pdfs():
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVu", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.setTitle(TITLE)
    c.setFont("DejaVu", 12)
    y = 800
    c.drawString(72, y, TITLE)
    # The PDF font has no emoji: the PDF turns leave the emoji out.
    for who, what in TURNS[:2]:
        y -= 40
        c.drawString(72, y, f"{who}: {what.replace(' 😀', '')}")
    c.showPage()
    c.setFont("DejaVu", 12)
    y = 800
    for who, what in TURNS[2:]:
        c.drawString(72, y, f"{who}: {what}")
        y -= 40
    c.showPage()
    c.save()
    write("report.pdf", buf.getvalue())

    # An image-only PDF, as a scanner makes: no text layer at all.
    from PIL import Image, ImageDraw
    from reportlab.lib.utils import ImageReader

    img = Image.new("L", (200, 60), 255)
    ImageDraw.Draw(img).rectangle([10, 10, 190, 50], outline=0)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    c.drawImage(ImageReader(img), 72, 700, width=200, height=60)
    c.showPage()
    c.save()
    write("scan.pdf", buf.getvalue())

    rng = random.Random(7)
    write("random.pdf", bytes(rng.randrange(256) for _ in range(2048)))
    write("damaged.pdf", b"%PDF-1.7\n" + bytes(rng.randrange(256) for _ in range(2048)))


def surveys():
    csv_text = (
        "respondent;age;What helped you most?;Anything else?\r\n"
        "R1;34;\"My sister Zoë; she was never naïve 😀\";\r\n"
        "R2;51;\"The group\r\nand the walks\";\"שלום, مرحبا and caf\u0065\u0301\"\r\n"
        "R3;29;;Nothing\r\n"
    )
    write("survey.csv", b"\xef\xbb\xbf" + csv_text.encode("utf-8"))

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Answers"
    ws.append(["respondent", "joined", "score", "What helped you most?"])
    ws.append(["R1", datetime.date(2024, 3, 5), 4, "My sister Zoë 😀"])
    ws.append(["R2", datetime.datetime(2024, 11, 30, 14, 5, 0), 3.5, "שלום and مرحبا, e\u0301"])
    ws.append(["R3", None, True, None])
    other = wb.create_sheet("Codes")
    other.append(["code", "count"])
    other.append(["hope", 3])
    buf = io.BytesIO()
    wb.save(buf)
    write("survey.xlsx", buf.getvalue())
    write("text_as.xlsx", "respondent,answer\nR1,Zoë\n")


def zip_bomb():
    # A DOCX whose document part claims to unpack to more than 64 MiB: zeros
    # compress to almost nothing, so the file itself stays tiny.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\x00" * (65 * 1024 * 1024))
    write("bomb.docx", buf.getvalue())


if __name__ == "__main__":
    text_files()
    markdown()
    html()
    docx_file()
    odt_file()
    rtf_file()
    subtitles()
    pdfs()
    surveys()
    zip_bomb()
