"""HTML renderer: golden output, escaping, and the shared template environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from report_fixtures import check_gold, make_case

from assessor import __version__
from assessor.domain.errors import RenderError
from assessor.render import render
from assessor.render.html import environment, inline_css, render_template
from assessor.views.report import build_view


def _html(**kw: object) -> str:
    assessment, catalog, intake = make_case(**kw)  # type: ignore[arg-type]
    view = build_view(assessment, catalog, intake=intake, tool_version=__version__)
    return render(view, "html").decode()


def test_html_matches_gold(update_gold: bool) -> None:
    check_gold(_html(), "report/unit15.html", update_gold, version=__version__)


def test_html_inlines_css_unescaped_so_page_numbers_survive() -> None:
    html = _html(n=1)
    assert 'content: "Page " counter(page) " of " counter(pages);' in html
    assert "&#34;Page" not in html and "&quot;Page" not in html


def test_html_escapes_user_text_and_never_places_it_in_attributes() -> None:
    html = _html(unit='<script>alert(1)</script>" onload="x', n=2)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '" onload="x' not in html


def test_environment_autoescapes_and_is_strict() -> None:
    env = environment()
    assert env.autoescape is True
    with pytest.raises(RenderError):
        render_template("report.html.j2")  # no `view`: StrictUndefined refuses


def test_render_template_serves_other_packaged_templates() -> None:
    out = render_template("_macros.html.j2")
    assert out.strip() == ""
    # macros are importable by other templates (portfolio, web pages) through the same env
    macro = environment().get_template("_macros.html.j2").module.status  # type: ignore[attr-defined]
    assert "Covered" in str(macro("covered", "Covered", "\u25cf"))


def test_default_prefix_reaches_packaged_templates_for_overrides() -> None:
    assert environment().get_template("default:report.html.j2") is not None


@pytest.mark.parametrize("name", ["../pyproject.toml", "/etc/hostname", "report.html.j2"])
def test_inline_css_refuses_anything_but_packaged_stylesheets(name: str) -> None:
    with pytest.raises(RenderError):
        inline_css(name)


def test_unknown_template_is_a_render_error() -> None:
    with pytest.raises(RenderError):
        render_template("nope.html.j2")


def test_templates_come_only_from_files_and_libraries_from_their_one_module() -> None:
    root = Path(__file__).parent.parent / "assessor"
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "from_string(" not in text, path
        rel = path.relative_to(root).as_posix()
        if rel != "render/html.py":
            assert "import jinja2" not in text and "from jinja2" not in text, rel
        if rel != "render/pdf.py":
            assert "import weasyprint" not in text and "from weasyprint" not in text, rel


def test_no_template_marks_user_values_safe() -> None:
    for path in (Path(__file__).parent.parent / "templates").glob("*.j2"):
        text = path.read_text(encoding="utf-8")
        assert "|safe" not in text.replace(" ", ""), path.name
        assert "autoescape false" not in text, path.name


def test_each_certification_block_appears_once_and_framework_sections_link_to_theirs() -> None:
    assessment, catalog, intake = make_case()
    view = build_view(assessment, catalog, intake=intake, tool_version=__version__)
    html = render(view, "html").decode()
    assert view.certifications
    assert html.count('<article class="cert"') == len(view.certifications)
    assert html.count('<th scope="row">Proves</th>') == len(view.certifications)
    for c in view.certifications:
        assert html.count(f'id="{c.anchor}"') == 1
        assert html.count(f'<h2><span class="cert-no">{c.number}</span>') == 1
    blocks = {c.id: c for c in view.certifications}
    articles = html.split('<article class="framework">')[1:]
    assert len(articles) >= len(view.frameworks)
    for fw, article in zip(view.frameworks, articles, strict=False):
        article = article.split("</article>")[0]
        rests_on = {
            c
            for f in view.findings
            if f.framework and f.framework.id == fw.key
            for c in f.certifications
        }
        links = set(re.findall(r'<a class="cert-ref" href="#([a-z0-9-]+)">', article))
        assert links == {blocks[c].anchor for c in rests_on}, fw.name
        assert "Does not prove" not in article  # said once, in the certification block


def test_contents_and_bookmarked_chapter_list_certifications_relied_on() -> None:
    html = _html(n=3)
    toc = html.split('<nav class="toc"')[1].split("</nav>")[0]
    order = ["#frameworks", "#certifications", "#checklist"]
    assert [toc.index(a) for a in order] == sorted(toc.index(a) for a in order)
    assert '<section class="chapter" id="certifications">' in html
    assert "<h1>Certifications relied on</h1>" in html
