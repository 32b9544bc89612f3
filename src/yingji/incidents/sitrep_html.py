"""A :class:`~yingji.incidents.sitrep.Document` as one self-contained, printable HTML page
(no external files, so it can be mailed or opened offline): the situation report and the
after-action review both print through here."""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, Template, select_autoescape

from yingji.incidents.sitrep import Document, Table

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ d.title }} · {{ d.headline }}</title>
<style>
  body { font-family: "FangSong", "STFangsong", "Noto Serif CJK SC", "Noto Sans CJK SC",
         "PingFang SC", "Microsoft YaHei", serif; color: #1d1d1d; background: #f4f4f1;
         margin: 0; line-height: 1.75; }
  main { max-width: 52rem; margin: 0 auto; background: #fff; padding: 2.2rem 2.8rem 3rem;
         box-shadow: 0 0 0.6rem rgba(0, 0, 0, 0.08); }
  header { text-align: center; border-bottom: 2px solid #b01c14; padding-bottom: 0.8rem; }
  h1 { font-family: "SimHei", "Noto Sans CJK SC", sans-serif; font-size: 1.9rem;
       letter-spacing: 0.2em; color: #b01c14; margin: 0 0 0.3rem; }
  .headline { font-size: 1.15rem; font-weight: bold; margin: 0.2rem 0; }
  .sub { font-size: 0.9rem; color: #555; margin: 0; }
  h2 { font-family: "SimHei", "Noto Sans CJK SC", sans-serif; font-size: 1.15rem;
       margin: 1.5rem 0 0.5rem; }
  p { text-indent: 2em; margin: 0.3rem 0; }
  table { border-collapse: collapse; width: 100%; font-size: 0.92rem; margin: 0.5rem 0; }
  th, td { border: 1px solid #9aa0a6; padding: 0.25rem 0.5rem; vertical-align: top; }
  th { background: #e6ecf0; font-weight: normal; }
  tr.mark td { background: #fdecea; }
  .L { text-align: left; } .C { text-align: center; } .R { text-align: right; }
  .signature { margin-top: 2rem; text-align: right; }
  .signature p { text-indent: 0; margin: 0.1rem 0; }
  footer { margin-top: 2rem; font-size: 0.75rem; color: #777; text-align: center; }
  @media print {
    body { background: #fff; }
    main { box-shadow: none; max-width: none; padding: 0; }
    h2 { break-after: avoid; }
    tr { break-inside: avoid; }
  }
</style>
</head>
<body>
<main>
<header>
  <h1>{{ d.title }}</h1>
  <p class="headline">{{ d.headline }}</p>
  {% if d.subtitle %}<p class="sub">{{ d.subtitle }}</p>{% endif %}
</header>
{% for s in d.sections %}
<section>
  <h2>{{ s.heading }}</h2>
  {% for b in s.blocks %}
  {% if is_table(b) %}
  <table>
    {% set total = b.widths|sum %}
    <colgroup>
      {% for w in b.widths %}<col style="width: {{ (100 * w / total)|round(1) }}%">{% endfor %}
    </colgroup>
    <tr>{% for h in b.head %}<th class="{{ b.aligned(loop.index0) }}">{{ h }}</th>{% endfor %}</tr>
    {% for row in b.rows %}
    <tr{% if b.marked(loop.index0) %} class="mark"{% endif %}>
      {% for cell in row %}<td class="{{ b.aligned(loop.index0) }}">{{ cell }}</td>{% endfor %}
    </tr>
    {% endfor %}
  </table>
  {% else %}
  <p>{{ b }}</p>
  {% endif %}
  {% endfor %}
</section>
{% endfor %}
<div class="signature">
  {% for line in d.signature %}<p>{{ line }}</p>{% endfor %}
</div>
<footer>{{ d.footer }}</footer>
</main>
</body>
</html>
"""


@cache
def _template() -> Template:
    env = Environment(
        autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True
    )
    env.globals["is_table"] = lambda b: isinstance(b, Table)
    return env.from_string(PAGE)


def render_html(doc: Document) -> str:
    """The document as one HTML page."""
    return _template().render(d=doc)
