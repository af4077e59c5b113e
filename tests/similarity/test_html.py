"""similarity.html: parsed, and run in a real browser engine (headless Chromium).

.ci/run installs Chromium (Debian's ``chromium``) when it is missing, as it
installs bubblewrap; without it the browser test fails with that hint.
"""

import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from nndl_hw4 import mutants
from nndl_hw4.release.stubs import region_bodies, replace_bodies

from .conftest import run_cli

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
INSTALL_HINT = "install Chromium to test the report in a browser: apt-get install chromium (.ci/run does)"


class Page(HTMLParser):
    """Tags and attributes of a page, as a browser's parser would see them."""

    def __init__(self, text):
        super().__init__()
        self.tags = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def all(self, tag, **wanted):
        return [a for t, a in self.tags if t == tag and all(w in (a.get(k) or "").split() for k, w in wanted.items())]


def test_the_page_is_self_contained_and_matches_the_csv(generated_class):
    text = (generated_class.out / "similarity.html").read_text()
    page = Page(text)
    assert not page.all("link") and not page.all("img") and not page.all("iframe")
    assert all("src" not in a for _, a in page.tags)
    assert all(a["href"].startswith("#pair-") for a in page.all("a"))
    assert len(page.all("script")) == 1 and len(page.all("style")) == 1
    rows = generated_class.rows
    assert len([a for t, a in page.tags if t == "tr" and "data-names" in a]) == len(rows)
    assert len(page.all("tr", **{"class": "flag"})) == sum(r["flagged"] == "yes" for r in rows)
    # Each detailed pair shows its functions side by side, with the rare matching lines marked on both sides.
    sections = page.all("details")
    flagged = sum(r["flagged"] == "yes" for r in rows)
    assert flagged <= len(sections) <= flagged + 30
    assert len(page.all("div", **{"class": "rare"})) > 100
    first = text.split("<details id='pair-1'", 1)[1].split("</details>", 1)[0]
    assert first.count("class='code'") >= 2 and "class='rare'" in first


def test_student_code_cannot_inject_markup(tmp_path):
    texts = mutants.reference_sources()
    bodies = region_bodies(texts["optim"])
    key = ("adam", 1)
    indent = bodies[key][0][: len(bodies[key][0]) - len(bodies[key][0].lstrip())]
    evil = f"{indent}note = '</div><script>alert(1)</script>'  # </pre><img src=x onerror=alert(2)>\n"
    texts["optim"] = replace_bodies(texts["optim"], {key: [evil] + bodies[key]})
    for name in ("mallory", "trudy"):
        mutants.write_package(tmp_path / "class" / name, texts)
    mutants.write_package(tmp_path / "class" / "honest", mutants.reference_sources())
    assert run_cli("similar", tmp_path / "class", "--out", tmp_path / "out").exit_code == 0
    text = (tmp_path / "out" / "similarity.html").read_text()
    assert "&lt;/div&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in text
    page = Page(text)
    assert len(page.all("script")) == 1 and not page.all("img")


def _browser():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    pytest.fail(INSTALL_HINT)


def dump_dom(url, tmp_path):
    """The DOM after the page's script ran, as headless Chromium serialises it."""
    command = [_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_the_page_runs_in_a_browser_and_filters_by_name(generated_class, tmp_path):
    url = (generated_class.out / "similarity.html").as_uri()
    dom = dump_dom(url + "#q=copy-of-s000", tmp_path)
    page = Page(dom)
    (html,) = page.all("html")
    assert html.get("data-ready") == "yes" and "data-errors" not in html, html
    rows = [a for t, a in page.tags if t == "tr" and "data-names" in a]
    shown = [a for a in rows if "hidden" not in a]
    assert len(rows) == len(generated_class.rows) and 1 <= len(shown) < len(rows)
    assert all("copy-of-s000" in a["data-names"] for a in shown)
    assert f"<span id=\"shown\">{len(shown)}</span>" in dom

    unfiltered = Page(dump_dom(url, tmp_path))
    assert not [a for t, a in unfiltered.tags if t == "tr" and "data-names" in a and "hidden" in a]


def test_a_pair_address_opens_its_details(generated_class, tmp_path):
    rows = generated_class.rows
    rank = next(i for i, r in enumerate(rows, start=1) if r["flagged"] == "no")     # closed by default
    dom = dump_dom((generated_class.out / "similarity.html").as_uri() + f"#pair-{rank}", tmp_path)
    (details,) = [a for a in Page(dom).all("details") if a.get("id") == f"pair-{rank}"]
    assert "open" in details
