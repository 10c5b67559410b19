"""Guides and reports are published by groups on static sites and GitHub: recipe text in them
says only what it says, a source is linked only where it is the platform's own site or the recipe
names its publisher, and a report's folder checks with `sha256sum -c` wherever it is moved."""

from __future__ import annotations

import shutil
import subprocess
from html import unescape

from markdown_it import MarkdownIt

from optout.output.guide import render
from optout.recipe import load_recipe
from tests.conftest import invoke, linkedin_toggle_recipe

EVIL_LINK = "[https://www.linkedin.com/login](https://evil.example/login)"
HOSTILE = {
    "title: Data for Generative AI Improvement":
        f"title: 'Data for {EVIL_LINK} <script>alert(1)</script>'",
    "    notes: >-\n": "    notes: >-\n      <img src=x onerror=alert(1)> Sign in again at "
                     f"{EVIL_LINK}\n\n      # Official notice\n\n      - a list item of its own\n",
}


def hostile_guide(tmp_path, fmt: str, **extra: str) -> str:
    text = linkedin_toggle_recipe()
    for old, new in {**HOSTILE, **extra}.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "linkedin.yaml"
    path.write_text(text)
    return render(load_recipe(path), fmt)


def test_recipe_text_in_a_markdown_guide_is_only_text(tmp_path):
    page = MarkdownIt("commonmark").render(hostile_guide(tmp_path, "md"))
    assert "evil.example" in page  # still shown, as the words the recipe wrote...
    assert 'href="https://evil.example' not in page  # ...never as a link
    assert "<script" not in page and "<img" not in page
    assert page.count("<h1>") == 1 and "<h1>Official notice" not in page
    assert page.count("<h2>") == 1  # the setting's own heading, nothing the text made
    assert "<li>a list item of its own" not in page


def test_an_objection_quote_cannot_close_its_blockquote(tmp_path):
    text = linkedin_toggle_recipe() + (
        "  - id: objection\n    title: Objection\n    type: form\n    path: /object\n"
        "    fields:\n      - {target: {label: Name}, from: name}\n"
        "    submit: {role: button, name: Submit}\n    confirmation: {text: Thanks}\n"
        "    objection: \"I object.</blockquote><h1>Hacked</h1>\\n> [click](https://evil.example)\"\n"
        "    source: https://www.linkedin.com/help\n    live_verified: null\n")
    path = tmp_path / "linkedin.yaml"
    path.write_text(text)
    for fmt in ("md", "html"):
        guide = render(load_recipe(path), fmt)
        page = MarkdownIt("commonmark").render(guide) if fmt == "md" else guide
        assert "<h1>Hacked" not in page and 'href="https://evil.example' not in page, fmt
        assert "&lt;/blockquote&gt;" in page, fmt


def test_a_source_is_linked_only_on_the_platform_s_site_or_with_its_publisher(tmp_path):
    off_site = {"source: https://www.linkedin.com/help/linkedin/answer/a6278444":
                "source: https://evil.example/linkedin-help"}
    for fmt in ("md", "html"):
        guide = hostile_guide(tmp_path, fmt, **off_site)
        page = MarkdownIt("commonmark").render(guide) if fmt == "md" else guide
        assert "evil.example/linkedin-help" in page
        assert 'href="https://evil.example' not in page
        assert "on evil.example: not LinkedIn's own site" in unescape(page)
    named = {**off_site, "    live_verified: null": "    source_publisher: A Privacy Blog\n"
                                                     "    live_verified: null"}
    page = MarkdownIt("commonmark").render(hostile_guide(tmp_path, "md", **named))
    assert 'href="https://evil.example/linkedin-help"' in page
    assert "published by A Privacy Blog on evil.example (not LinkedIn's own site)" in page
    shipped = MarkdownIt("commonmark").render(render(_shipped_linkedin(), "md"))
    assert 'href="https://www.linkedin.com/help/linkedin/answer/a6278444"' in shipped


def _shipped_linkedin():
    from optout.recipe.loading import shipped_recipe
    recipe = shipped_recipe("linkedin")
    assert recipe is not None
    return recipe


def test_a_report_written_elsewhere_carries_its_evidence_and_checks_when_moved(
        tmp_path, practice, member):
    member(on=True)
    assert invoke("run", "linkedin", "--origin", practice.origin, "--setting",
                  "data-for-generative-ai-improvement").exit_code == 0
    out = tmp_path / "proof"
    out.mkdir()
    assert invoke("report", "--html", str(out / "report.html")).exit_code == 0
    sums = (out / "report.html.sha256").read_text().splitlines()
    assert len(sums) > 1 and all(line.split("  ", 1)[1].startswith("evidence/")
                                 for line in sums[:-1]), sums
    sent = tmp_path / "sent"
    shutil.copytree(out, sent)
    shutil.rmtree(out)  # the originals gone: the copy checks by itself
    check = ["sha256sum", "--quiet", "-c", "report.html.sha256"]
    assert subprocess.run(check, cwd=sent, capture_output=True).returncode == 0
    (sent / "report.html").write_text((sent / "report.html").read_text() + " ")
    assert subprocess.run(check, cwd=sent, capture_output=True).returncode == 1


def test_guides_and_schedule_entries_never_write_through_a_planted_symlink(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    guides = tmp_path / "guides"
    guides.mkdir()
    (guides / "linkedin.md").symlink_to(victim)
    assert invoke("guide", "linkedin", "--out", str(guides)).exit_code == 0
    assert victim.read_text() == "untouched"
    assert not (guides / "linkedin.md").is_symlink()
    assert "LinkedIn" in (guides / "linkedin.md").read_text()

    target = tmp_path / "entries"
    target.mkdir()
    (target / "crontab").symlink_to(victim)
    result = invoke("schedule", "install", "--system", "cron", "--target", str(target))
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "untouched" and not (target / "crontab").is_symlink()
