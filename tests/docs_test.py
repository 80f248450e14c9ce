"""The documentation site's sources: every public name has its entry."""

import re

import keras_vae
from tests.helpers import REPO_ROOT

DOCS = REPO_ROOT / "docs"


def api_entries():
    """The objects the API reference renders, `keras_vae.NAME` each."""
    entries = set()
    for page in (DOCS / "api").glob("*.md"):
        entries |= set(re.findall(r"^::: (\S+)$", page.read_text(), re.M))
    return entries


def test_every_public_name_has_an_api_reference_entry():
    missing = {
        name
        for name in keras_vae.__all__
        if f"keras_vae.{name}" not in api_entries()
    }
    assert not missing, f"not in docs/api/*.md: {sorted(missing)}"


def test_every_api_page_is_in_the_navigation_and_the_site_is_offline():
    config = (REPO_ROOT / "mkdocs.yml").read_text()
    for page in (DOCS / "api").glob("*.md"):
        assert f"api/{page.name}" in config, page.name
    # Material fetches Roboto from Google Fonts unless told not to.
    assert re.search(r"^\s+font: false$", config, re.M)


def test_the_readmes_links_lead_to_files_of_the_repository():
    readme = (REPO_ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)\s]+)\)", readme)
    local = [link for link in links if "://" not in link]
    assert local, "the README links to the docs"
    missing = [
        link for link in local if not (REPO_ROOT / link.split("#")[0]).exists()
    ]
    assert not missing, missing
