"""A document's scope: which product, deployment, PAN-OS versions and kind of page it is.

Read from what the page says about itself, by general rules (no table of known URLs):

* URL path: a segment shaped like a version (`pan-os/10-1/`, `ngfw/help/12-2/`) names
  the version; the first other segment names the product's documentation (`cn-series/`,
  `panorama/`, `ngfw/`); a segment "...-on-<cloud>" names a deployment
  (`high-availability-for-cn-series-firewall-on-aws` -> aws); `help`, `reference-...`,
  `...-admin`/`administration`, `deployment` name the kind of page; a
  `<product>-web-interface` segment is the help of that product's web interface.
  A URL with no version segment is the current documentation (`latest`).
* Breadcrumb ("Home > CN-Series > ... > HA Links") and the docs-set header
  ("CN-Series Firewall Docs"): how the site writes the product's name.
* Version picker: the entry a text scrape wrote out on its own above the list that
  repeats it is the selected one ("PAN-OS 11.1 & Later").
* "Where Can I Use This? What Do I Need?" box: "PAN-OS 10.2.x or above" -> since 10.2.
* Title: hardware families the page is about ("HA Ports on the PA-7000 Series Firewall").
* `manifest.json` (fields `version`, `product`, `deployment`, `doc_type`, `platforms`)
  overrides all of it.

`unify_products` then gives every page of one product the same key within a build: the
versioned admin guide (`pan-os/10-1/...`) and the current one (`ngfw/...`) are both the
"Next-Generation Firewall" of their breadcrumb, so both get the key `ngfw`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, get_args
from urllib.parse import unquote, urlsplit

from hakb.ingest import lexicon
from hakb.ingest.models import Chunk, Citation, DocKind, DocType, DocumentMeta, Scope
from hakb.text import split_sentences

if TYPE_CHECKING:  # bs4 is imported where a page is read: the service reads no HTML
    from bs4 import BeautifulSoup, Tag

# Public clouds and hypervisors a firewall is deployed on, and the words people use for
# them: a sentence ("On the VM-Series firewall in AWS, ...") or a question ("on Azure")
# names one even when no page of the build is about it.
ENVIRONMENTS: dict[str, tuple[str, ...]] = {
    "aws": ("AWS", "Amazon Web Services", "Amazon", "EKS"),
    "azure": ("Azure", "Microsoft Azure", "AKS"),
    "gcp": ("GCP", "Google Cloud", "Google Cloud Platform", "GKE"),
    "oci": ("OCI", "Oracle Cloud"),
    "esxi": ("ESXi", "VMware ESXi", "VMware"),
    "kvm": ("KVM",),
    "hyper-v": ("Hyper-V",),
    "kubernetes": ("Kubernetes", "K8s"),
}

# A URL segment shaped like a release: "10-1", "12-2", "11.1", "10-2-4".
_VERSION_SEGMENT = re.compile(r"^(\d{1,2})[-.](\d{1,2})(?:[-.](?:\d{1,3}|x))?$")
# A release in running text: "PAN-OS 10.2", "11.1.7", "10.1.x".
_VERSION = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})(?:\.(?:\d{1,3}|x))?(?![\d.])")
_LATER = r"(?:&|and|or)\s+(?:later|above|newer|higher)|\+"
# What a version picker or manifest writes: "PAN-OS 11.1 & Later", "PAN-OS 10.2", "11.1+".
_PICKER_ENTRY = re.compile(rf"^\s*PAN-OS\s+\d{{1,2}}\.\d{{1,2}}(?:\.x)?(?:\s*(?:{_LATER}))?(?:\s*\(EoL\))?\s*$", re.I)
# A requirement in the "Where Can I Use This?" box: "CN-Series 10.2.x or above Container
# Images", "Panorama running PAN-OS 10.2.x or above version" (not "Helm 3.6 or above").
_REQUIREMENT = re.compile(
    rf"\b(?:PAN-OS|[A-Z]{{2}}-Series)\s+(\d{{1,2}})\.(\d{{1,2}})(?:\.x|\.\d+)?\s*(?:{_LATER})", re.I
)
_WHERE_BOX = re.compile(r"Where Can I Use This\??\s*(?:What Do I Need\??)?", re.I)
_BOX_LINES = 12  # the box is a handful of short lines before the body starts
_BOX_WORDS = 14
# Segments that name a kind of page or the site, never the product.
_NOT_PRODUCT = frozenset({"docs", "documentation", "help", "admin", "administration", "reference", "content"})
# "...-on-aws", "...-on-google-cloud": a deployment of one or two words, not "-on-the-pa-7000-...".
_ON_DEPLOYMENT = re.compile(r"-on-([a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)?)$")
_NOT_DEPLOYMENT = frozenset({"the", "a", "an", "your", "firewall", "firewalls", "series", "panorama"})
_WEB_INTERFACE = re.compile(r"^(.+?)[-\s]+web[-\s]+interface$", re.I)
_DOCS_HEADER = re.compile(r"^[ \t]*([A-Z][\w&.\- ]{1,40}?)[ \t]+Docs[ \t]*$", re.M)
# A Markdown or text scrape's breadcrumb: "Focus / Home / <crumbs> / Download PDF".
_CRUMBS = re.compile(r"\bFocus[ \t]*\n\s{0,200}Home[ \t]*\n(.{0,2000}?)\n\s{0,200}Download PDF\b", re.S)
_MAX_CRUMBS = 12
_MAX_PICKERS, _MAX_OPTIONS = 4, 60  # a page has one picker of a dozen entries

_DOC_TYPES: frozenset[str] = frozenset(get_args(DocType))


def read_scope(
    *,
    url: str | None,
    title: str | None,
    text: str = "",
    kind: DocKind = "text",
    hint: Mapping[str, str] | None = None,
) -> Scope:
    """The scope of one document from its URL, title and raw text; `hint` (a manifest
    entry) overrides whatever the document says."""
    hint = hint or {}
    segments = _segments(url)
    crumbs = breadcrumb(text, kind)
    fields: dict[str, object] = {}

    versions = [v for v in (_segment_version(s) for s in segments) if v]
    if versions:
        fields["versions"] = tuple(dict.fromkeys(versions))
    since = _since(text)
    picked = selected_version(text, kind)
    if picked and not versions:
        parsed = parse_version_text(picked)
        fields.update(parsed)
        since = since or parsed.get("since")  # type: ignore[assignment]
    if since and not versions:
        fields["since"] = since
    if segments and not versions and not since and not picked:
        fields["latest"] = True

    names = [s for s in segments if not _segment_version(s) and s not in _NOT_PRODUCT]
    if names:
        fields["product"] = names[0]
    name = crumbs[0] if crumbs else _docs_header(text)
    if name:
        fields["product_name"] = name
    interface = next((m.group(1) for c in [*segments, *crumbs] if (m := _WEB_INTERFACE.match(c))), None)
    if interface:
        # The help of another product's web interface ("Panorama Web Interface") is that product's.
        written = next((c for c in crumbs if _WEB_INTERFACE.match(c)), interface)
        fields["product_name"] = _WEB_INTERFACE.sub(r"\1", written).strip()
        fields["product"] = slug(interface)
    deployment = _deployment(segments)
    if deployment:
        fields["deployment"] = deployment
        fields["deployment_name"] = _written(deployment, [*crumbs, title or ""])
    doc_type = _doc_type(segments, crumbs)
    if doc_type:
        fields["doc_type"] = doc_type
    # The title, or the page's own URL segment ("ha-ports-on-the-pa-7000-series-firewall").
    last = segments[-1].replace("-", " ") if segments else ""
    platforms = [p.name for p in lexicon.platforms_in(f"{title or ''} / {last}")]
    if platforms:
        fields["platforms"] = tuple(dict.fromkeys(platforms))
    fields.update(_from_hint(hint))
    return Scope.model_validate(fields)


def scope_of(meta: DocumentMeta) -> Scope:
    """The document's scope; for a document of an older build, which has none, what its
    URL, title and version say."""
    if meta.scope is not None:
        return meta.scope
    hint = {"version": meta.version} if meta.version else {}
    return read_scope(url=meta.url, title=meta.title, kind=meta.kind, hint=hint)


def version_label(scope: Scope, given: str | None) -> str | None:
    """What `DocumentMeta.version` says: the manifest's words when it gave some, else the
    versions read from the page ("PAN-OS 10.1"); None for the current documentation."""
    if given:
        return given
    if scope.versions or scope.since:
        return scope.version_label
    return None


# A product written the way products are: "VM-Series", "CN-Series" (not "PA-3400 Series").
_SERIES_NAME = r"[A-Z]{2}-Series"
_ENV_ALTERNATION = "|".join(
    re.escape(n) for n in sorted({n for k, ns in ENVIRONMENTS.items() for n in (k, *ns)}, key=len, reverse=True)
)
# "the VM-Series firewall in AWS", "VM-Series firewall on Google Cloud Platform".
_PRODUCT_ON = re.compile(rf"\b({_SERIES_NAME})(?:\s+firewalls?)?\s+(?:on|in)\s+(?:the\s+)?(?i:({_ENV_ALTERNATION}))\b")
# "On AWS, ...", "In Azure, ...", "... in Azure environments".
_ENV_LEAD = re.compile(rf"^\s*(?:On|In)\s+(?:the\s+)?(?i:({_ENV_ALTERNATION}))\b\s*,")
_ENV_PLACE = re.compile(rf"\bin\s+(?i:({_ENV_ALTERNATION}))\s+environments?\b")
# "( CN-Series cluster only )".
_PRODUCT_ONLY = re.compile(rf"\(\s*({_SERIES_NAME})\b[^()]{{0,40}}\bonly\s*\)")


def environment_key(written: str) -> str | None:
    """'Google Cloud Platform' -> 'gcp', 'aws' -> 'aws'; None when it names no environment."""
    low = written.strip().lower()
    return next((k for k, names in ENVIRONMENTS.items() if low in (k, *(n.lower() for n in names))), None)


def _hardware_line(name: str) -> bool:
    """'PA-Series' is the line of the hardware models (PA-3410, ...), not another product."""
    return name.split("-")[0].upper() == lexicon.HARDWARE_LINE


def sentence_scope(scope: Scope | None, sentence: str) -> Scope | None:
    """The scope of one sentence of a page: the page's, unless the sentence names the
    product or deployment it holds for ("On the VM-Series firewall in AWS, the management
    port is used as the HA1 link"; "UDP is the only supported transport mode in Azure
    environments"; "( CN-Series cluster only )"). A sentence naming several products or
    deployments ("on Azure and ... on AWS") keeps what they share."""
    update: dict[str, object] = {}
    pairs = {(m.group(1), environment_key(m.group(2))) for m in _PRODUCT_ON.finditer(sentence)}
    products = {p for p, _ in pairs} | {m.group(1) for m in _PRODUCT_ONLY.finditer(sentence)}
    products = {p for p in products if not _hardware_line(p)}
    if len(products) == 1:
        (name,) = products
        if slug(name) != (scope.product if scope else None):
            update.update(product=slug(name), product_name=name, platforms=())
    places = {e for _, e in pairs if e}
    if not places:
        lead = _ENV_LEAD.match(sentence) or _ENV_PLACE.search(sentence)
        place = environment_key(lead.group(1)) if lead else None
        places = {place} if place else set()
        named = {p for p in re.findall(rf"\b{_SERIES_NAME}\b", sentence) if not _hardware_line(p)} if place else set()
        if len(named) == 1 and not products:
            (name,) = products = named
            if slug(name) != (scope.product if scope else None):
                update.update(product=slug(name), product_name=name, platforms=())
    if len(places) == 1 and len(products) <= 1:
        (place,) = places
        if place != (scope.deployment if scope else None):
            update.update(deployment=place, deployment_name=ENVIRONMENTS[place][0])
    if not update:
        return scope
    return (scope or Scope()).model_copy(update=update)


def scopes_of_text(scope: Scope | None, text: str) -> set[Scope]:
    """The scopes a passage's sentences hold for (its page's, and any a sentence names)."""
    found = {scope} if scope is not None else set()
    if _PRODUCT_ON.search(text) or _ENV_LEAD.search(text) or _ENV_PLACE.search(text) or _PRODUCT_ONLY.search(text):
        for sentence in split_sentences(text):
            named = sentence_scope(scope, sentence)
            if named is not None:
                found.add(named)
    return found


def unify_products(scopes: Sequence[Scope]) -> list[Scope]:
    """The same product gets the same key on every page of a build.

    Pages whose breadcrumb names the same product ("Next-Generation Firewall") are one
    product, whatever their URL calls it (`pan-os/10-1/...`, `ngfw/...`): its key is the
    URL segment of its current (unversioned) pages, else the shortest one it has.
    """
    keys: dict[str, list[tuple[bool, str]]] = {}
    for s in scopes:
        if s.product_name and s.product:
            keys.setdefault(s.product_name.lower(), []).append((not s.latest, s.product))
    chosen = {name: min(options, key=lambda o: (o[0], len(o[1]), o[1]))[1] for name, options in keys.items()}
    out = []
    for s in scopes:
        key = chosen.get((s.product_name or "").lower())
        if key and key != s.product:
            s = s.model_copy(update={"product": key})
        elif not s.product and s.product_name:
            s = s.model_copy(update={"product": slug(s.product_name)})
        out.append(s)
    return out


def cite(chunk: Chunk, sentence: str) -> Citation:
    """A citation of one sentence of a chunk, with the sentence's own scope."""
    citation = chunk.citation(sentence)
    scope = sentence_scope(chunk.scope, sentence)
    return citation if scope == chunk.scope else citation.model_copy(update={"scope": scope})


def parse_version_text(text: str) -> dict[str, object]:
    """'PAN-OS 11.1 & Later' -> {since: '11.1'}; 'PAN-OS 10.1, 10.2' -> {versions: (...)}."""
    found = [f"{int(m.group(1))}.{int(m.group(2))}" for m in _VERSION.finditer(text)]
    if not found:
        return {}
    if re.search(_LATER, text, re.I):
        return {"since": found[0]}
    return {"versions": tuple(dict.fromkeys(found))}


def breadcrumb(text: str, kind: DocKind) -> list[str]:
    """The page's breadcrumb below "Home": ["CN-Series", ..., "HA Links"]; [] when none."""
    if kind == "html":
        return _html_breadcrumb(text)
    m = _CRUMBS.search(text[:20000])
    if not m:
        return []
    crumbs = [" ".join(line.split()) for line in m.group(1).splitlines() if line.strip()]
    return crumbs if len(crumbs) <= _MAX_CRUMBS else []


def selected_version(text: str, kind: DocKind = "text") -> str | None:
    """The version picker's selected entry: a scrape writes it on a line of its own right
    above the list of entries that repeats it ("PAN-OS 11.1 & Later" then
    "- PAN-OS 11.1 & Later"). An HTML picker marks it selected or current."""
    if kind == "html":
        return _html_selected_version(text)
    lines = [line.strip() for line in text[:20000].splitlines()]
    for i, line in enumerate(lines[:-1]):
        if _PICKER_ENTRY.match(line) and lines[i + 1].lstrip("-* ").strip() == line:
            return line
    return None


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# -- reading the parts ---------------------------------------------------------


def _segments(url: str | None) -> list[str]:
    if not url:
        return []
    path = unquote(urlsplit(url).path)
    return [s.lower() for s in path.split("/") if s and not s.lower().endswith((".html", ".htm"))]


def _segment_version(segment: str) -> str | None:
    m = _VERSION_SEGMENT.match(segment)
    return f"{int(m.group(1))}.{int(m.group(2))}" if m else None


def _since(text: str) -> str | None:
    """The lowest "PAN-OS X.Y or above" of the "Where Can I Use This?" box (its short
    lines before the first sentence of the body)."""
    m = _WHERE_BOX.search(text[:30000])
    if not m:
        return None
    box: list[str] = []
    for line in text[m.end() :].splitlines():
        line = line.strip()
        if not line:
            continue
        if len(line.split()) > _BOX_WORDS or line.endswith(".") or len(box) >= _BOX_LINES:
            break
        box.append(line)
    found = [(int(v.group(1)), int(v.group(2))) for v in _REQUIREMENT.finditer(" ".join(box))]
    return "{}.{}".format(*min(found)) if found else None


def _docs_header(text: str) -> str | None:
    """'CN-Series Firewall Docs' -> 'CN-Series Firewall': the docs set a scrape's menu names."""
    m = _DOCS_HEADER.search(text[:20000])
    return m.group(1).strip() if m else None


def _deployment(segments: list[str]) -> str | None:
    for segment in reversed(segments):
        m = _ON_DEPLOYMENT.search(segment)
        if m and not set(m.group(1).split("-")) & _NOT_DEPLOYMENT:
            return m.group(1)
    return None


def _written(key: str, texts: list[str]) -> str:
    """How the page writes a URL word: 'aws' -> 'AWS' (from "... on AWS EKS")."""
    pattern = re.compile(r"\b" + r"[\s-]+".join(map(re.escape, key.split("-"))) + r"\b", re.I)
    for text in texts:
        m = pattern.search(text)
        if m:
            return m.group(0)
    return key.upper() if len(key) <= 3 else key.replace("-", " ").title()


def _doc_type(segments: list[str], crumbs: list[str]) -> DocType | None:
    words = [set(s.split("-")) for s in segments]
    if any("help" in w for w in words) or any(_WEB_INTERFACE.match(c) for c in crumbs):
        return "help"
    if any("release" in w and "notes" in w for w in words):
        return "release-notes"
    if any(s.startswith("reference") for s in segments):
        return "reference"
    if any(w & {"admin", "administration"} for w in words):
        return "admin-guide"
    if any("deployment" in w for w in words):
        return "deployment-guide"
    return None


def _from_hint(hint: Mapping[str, str]) -> dict[str, object]:
    fields: dict[str, object] = {}
    if hint.get("version"):
        fields.update({"versions": (), "since": None, "latest": False, **parse_version_text(hint["version"])})
    if hint.get("product"):
        fields["product_name"] = hint["product"]
        fields["product"] = slug(hint["product"])
    if hint.get("deployment"):
        fields["deployment_name"] = hint["deployment"]
        fields["deployment"] = slug(hint["deployment"])
    doc_type = hint.get("doc_type")
    if doc_type in _DOC_TYPES:
        fields["doc_type"] = doc_type
    if hint.get("platforms"):
        fields["platforms"] = tuple(p.strip() for p in hint["platforms"].split(",") if p.strip())
    return fields


_CHROME_CHARS = 200_000  # the breadcrumb and version picker come before the article


@functools.lru_cache(maxsize=2)
def _soup(text: str) -> BeautifulSoup:
    """The page's top, parsed once for both the breadcrumb and the version picker."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(text[:_CHROME_CHARS], "lxml")


def _chrome(tag: Tag, word: str) -> bool:
    classes: list[str] = list(tag.get("class") or [])
    names = " ".join([*classes, str(tag.get("id") or ""), str(tag.get("aria-label") or "")]).lower()
    return word in names


def _html_breadcrumb(text: str) -> list[str]:
    if "breadcrumb" not in text.lower():
        return []
    from bs4 import Tag

    soup = _soup(text)
    trail = soup.find(lambda t: isinstance(t, Tag) and _chrome(t, "breadcrumb"))
    if not isinstance(trail, Tag):
        return []
    parts = [" ".join(p.split()) for p in re.split(r"[>\u203a\u00bb/]|\n", trail.get_text("\n"))]
    crumbs = [p for p in parts if p]
    if crumbs and crumbs[0].lower() in ("home", "docs home", "documentation home"):
        crumbs = crumbs[1:]
    return crumbs[:_MAX_CRUMBS]


def _html_selected_version(text: str) -> str | None:
    if "version" not in text.lower():
        return None
    from bs4 import Tag

    soup = _soup(text)
    for picker in soup.find_all(lambda t: isinstance(t, Tag) and _chrome(t, "version"), limit=_MAX_PICKERS):
        for option in picker.find_all(["li", "option", "a", "span"], limit=_MAX_OPTIONS):
            marks = " ".join(option.get("class") or []).lower()
            if (
                option.has_attr("selected")
                or option.get("aria-current")
                or option.get("aria-selected") == "true"
                or {"selected", "active", "current"} & set(marks.split())
            ):
                entry = " ".join(option.get_text(" ").split())
                if _PICKER_ENTRY.match(entry):
                    return entry
    return None
