"""hakb's answers as Model Context Protocol tools, for AI assistants.

One tool set, two transports:

* stdio: `hakb mcp` (`run_stdio`), launched by a desktop assistant; it opens the
  engine itself and follows new builds as `hakb serve` does.
* streamable HTTP at `/mcp` of the app factory (hakb.service.api.mcp_http),
  sharing the app's engine and guarded by the same API keys as `/v1`.

The tools are thin adapters over what the `/v1` routes run (the route functions
themselves), so an assistant gets exactly the answers the API gives:

    ask        POST /v1/ask                a cited answer, or an abstention (optional version, context,
                                           and scope: product, deployment, platform)
    facts      GET /v1/facts               facts filtered by subject, attribute, platform
    ports      GET /v1/ports               every port and protocol between HA peers
    platform   GET /v1/platforms/{model}   every constraint that applies to a model
    checklist  GET /v1/checklist           every flow between two HA peers for a deployment, each cited
    check_config  POST /v1/check           findings on a pasted HA configuration, each rule cited

Each returns a short text for the model to read (the answer and its sources) and
the same data as structured content (`outputSchema`), citations included. Bad
input (an empty question, a model the documents never name, no build yet) comes
back as a tool error (`isError`) whose text says what is wrong (a combination the
documents rule out quotes the rule; malformed XML names its line and column; XML with
a DTD or entities is refused unread); the server keeps serving.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Literal, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, InputRequiredResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field, ValidationError

from hakb import __version__
from hakb.errors import HakbError, NotReady, problem_for, render
from hakb.ingest.models import Citation, Fact
from hakb.service.api.errors import public_reason
from hakb.service.api.routes import ask as ask_route
from hakb.service.api.routes import check as check_route
from hakb.service.api.routes import checklist as checklist_route
from hakb.service.api.routes import lookups
from hakb.service.api.schemas import AskRequest, PortEntry, ScopeIn
from hakb.service.checks import checklist as checklist_module
from hakb.service.checks import config_check
from hakb.service.engine import Engine
from hakb.service.models import Answer
from hakb.settings import Settings

log = logging.getLogger(__name__)

NAME = "hakb"
INSTRUCTIONS = (
    "Cited answers about PAN-OS high-availability (HA) links, ports and platform constraints, "
    "from the Palo Alto Networks documentation. Use `ask` for a question in words; `facts`, `ports` "
    "and `platform` for exact lookups; `checklist` for the flows to allow between two HA peers; "
    "`check_config` to check a pasted HA configuration. Quote the citations you rely on; when `ask` abstains, the "
    "documents do not say, so do not guess."
)
FACTS_LIMIT = 50  # rows a `facts` call returns unless it asks for more
FACTS_MAX = 500
# Every tool only reads the documents.
READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)

EngineSource = Callable[[], Engine]
M = TypeVar("M", bound=BaseModel)


# -- structured results --------------------------------------------------------


class FactsResult(BaseModel):
    count: int = Field(description="Facts that match, all of them")
    shown: int = Field(description="Facts in this result (at most `limit`)")
    facts: list[Fact]
    citations: list[Citation] = Field(description="The sources of the facts shown, each once")


class PortsResult(BaseModel):
    count: int
    ports: list[PortEntry]
    citations: list[Citation] = Field(description="The sources of the rows, each once")


class PlatformResult(BaseModel):
    model: str
    documented_as: list[str] = Field(description="The names the documents use for it (model, family)")
    count: int
    facts: list[Fact]
    citations: list[Citation] = Field(description="The sources of the facts, each once")


class ChecklistResult(checklist_module.Checklist):
    citations: list[Citation] = Field(description="Every source the checklist quotes, each once")


class CheckResult(config_check.CheckReport):
    citations: list[Citation] = Field(description="Every rule the report quotes, each once")


# -- the server ----------------------------------------------------------------


def build_server(
    engine: EngineSource, settings: Settings, limiter: Callable[[], CapacityLimiter | None] = lambda: None
) -> MCPServer:
    """The MCP server with hakb's tools; `engine()` gives the engine to answer with
    (called per call: the HTTP app opens its engine in its lifespan, after this);
    `limiter()` the threads `ask` may answer in (the HTTP app's HAKB_ANSWER_THREADS, shared
    with /v1/ask; None: anyio's default pool)."""
    # MCPServer configures the root logger (logging.basicConfig) when it has no handler;
    # a placeholder handler keeps the host's logging (uvicorn's, the CLI's) as it is.
    root, placeholder = logging.getLogger(), logging.NullHandler()
    root.addHandler(placeholder)
    try:
        server = _Server(NAME, title="hakb", version=__version__, instructions=INSTRUCTIONS)
    finally:
        root.removeHandler(placeholder)

    @server.tool(
        title="Ask the HA documentation",
        description=(
            "Answer a question about PAN-OS HA links, ports or platforms with cited facts or passages, "
            "or abstain when the documents do not say. The answer's citations give title, section, URL, "
            "the quoted sentence and the scope it holds for. Optional scope: product, deployment, "
            "version (PAN-OS), platform; a scope no document covers is an abstain naming what is covered."
        ),
        annotations=READ_ONLY,
    )
    async def ask(
        question: Annotated[str, Field(description="The question, as a person would ask it")],
        version: Annotated[str | None, Field(description="Answer for this PAN-OS version, e.g. 11.1")] = None,
        context: Annotated[
            str | None, Field(description="An earlier question of the same conversation, for a follow-up")
        ] = None,
        product: Annotated[
            str | None, Field(max_length=60, description="Answer for this product: vm-series, cn-series, panorama, ...")
        ] = None,
        deployment: Annotated[
            str | None, Field(max_length=60, description="Answer for this cloud or environment: aws, azure, gcp, ...")
        ] = None,
        platform: Annotated[
            str | None, Field(max_length=60, description="Answer for this firewall model or family, e.g. PA-3410")
        ] = None,
    ) -> Annotated[CallToolResult, Answer]:
        def answer() -> Answer:
            chosen = product or deployment or platform
            scope = ScopeIn(product=product, deployment=deployment, platform=platform) if chosen else None
            body = AskRequest(question=question, version=version, context=context, scope=scope)
            return ask_route.answer_question(body, engine(), settings)

        # In the same few threads as /v1/ask: an MCP client's load must not bring back the
        # working memory that limit keeps out.
        return await anyio.to_thread.run_sync(lambda: _reply(settings, answer, _answer_text), limiter=limiter())

    @server.tool(
        title="Look up facts",
        description=(
            "Documented facts (subject, attribute, value, the sentence that says it and its source), "
            "filtered by subject (HA1, HA2-backup, PA-3200 Series, ...), attribute (port, ethertype, "
            "layer, ...) and platform (a model or family; a family's facts answer for its models)."
        ),
        annotations=READ_ONLY,
    )
    def facts(
        subject: Annotated[str | None, Field(max_length=60, description="HA1, HA2-backup, PA-3200 Series, ...")] = None,
        attribute: Annotated[str | None, Field(max_length=40, description="port, ethertype, layer, ...")] = None,
        platform: Annotated[str | None, Field(max_length=40, description="A model or family, e.g. PA-3260")] = None,
        limit: Annotated[int, Field(ge=1, le=FACTS_MAX, description="At most this many facts")] = FACTS_LIMIT,
    ) -> Annotated[CallToolResult, FactsResult]:
        def result() -> FactsResult:
            found = lookups.facts(engine(), subject=subject, attribute=attribute, platform=platform)
            shown = found.facts[:limit]
            return FactsResult(count=found.count, shown=len(shown), facts=shown, citations=_cited(shown))

        return _reply(settings, result, _facts_text)

    @server.tool(
        title="HA ports",
        description=(
            "Every port and protocol HA peers use, per link, with the sentence that documents it: "
            "what to allow on a firewall or filter between the peers."
        ),
        annotations=READ_ONLY,
    )
    def ports() -> Annotated[CallToolResult, PortsResult]:
        def result() -> PortsResult:
            found = lookups.ports(engine())
            return PortsResult(count=found.count, ports=found.ports, citations=_unique([p.source for p in found.ports]))

        return _reply(settings, result, _ports_text)

    @server.tool(
        title="Platform constraints",
        description=(
            "Every documented HA constraint that applies to a firewall model (PA-3260, PA-5450, ...) "
            "or family, including what its family's documents say."
        ),
        annotations=READ_ONLY,
    )
    def platform(
        model: Annotated[str, Field(min_length=1, max_length=40, description="A model or family, e.g. PA-3260")],
    ) -> Annotated[CallToolResult, PlatformResult]:
        def result() -> PlatformResult:
            found = lookups.platform(model, engine())
            return PlatformResult(
                model=found.model,
                documented_as=found.documented_as,
                count=found.count,
                facts=found.facts,
                citations=_cited(found.facts),
            )

        return _reply(settings, result, _platform_text)

    @server.tool(
        title="HA connectivity checklist",
        description=(
            "Every flow to allow between two HA peers for a firewall model and deployment: per link "
            "(HA1, HA2, their backups, HA3 in active/active, HA4 in a cluster) the interface kind, the "
            "ports, ether type or IP protocol number, direction and layer, each value with its citations; "
            "what the documents do not give is marked as not documented. A combination the documents "
            "rule out (HA3 in active/passive, HSCI on a platform without one, an HA2 transport no "
            "document names) is an error quoting the rule."
        ),
        annotations=READ_ONLY,
    )
    def checklist(
        model: Annotated[str, Field(min_length=1, max_length=40, description="A model or family, e.g. PA-3260")],
        mode: checklist_module.Mode = "active-passive",
        ha1_encryption: Annotated[bool, Field(description="HA1 encryption on")] = False,
        ha2_transport: Annotated[
            str, Field(max_length=20, description="HA2 transport: " + ", ".join(checklist_module.TRANSPORTS))
        ] = "ethernet",
        backups: Annotated[
            list[Annotated[str, Field(max_length=20)]],
            Field(max_length=10, description="Backup links: any of " + ", ".join(checklist_module.BACKUPS)),
        ] = [],  # noqa: B006  # never mutated: read once into the route's comma-separated form
        ha3: Annotated[
            bool | None, Field(description="HA3 packet-forwarding link (default: on in active/active)")
        ] = None,
        hsci: Annotated[bool, Field(description="HA2 (and HA3) over the platform's HSCI port")] = False,
        product: Annotated[str | None, Field(max_length=60, description="ngfw, cn-series, ...")] = None,
        deployment: Annotated[str | None, Field(max_length=60, description="aws, azure, ...")] = None,
        version: Annotated[str | None, Field(max_length=20, description="A PAN-OS version, e.g. 11.1")] = None,
    ) -> Annotated[CallToolResult, ChecklistResult]:
        def result() -> ChecklistResult:
            found = checklist_route.checklist(
                engine(),
                model=model,
                mode=mode,
                ha1_encryption=ha1_encryption,
                ha2_transport=ha2_transport,
                backups=",".join(backups),
                ha3=ha3,
                hsci=hsci,
                product=product,
                deployment=deployment,
                version=version,
            )
            assert isinstance(found, checklist_module.Checklist)  # format="json" (the default)
            return ChecklistResult(**dict(found), citations=_collected(found))

        return _reply(settings, result, checklist_module.render_text)

    @server.tool(
        title="Check an HA configuration",
        description=(
            "Check a PAN-OS HA configuration against the documents: deviceconfig/high-availability as "
            "XML (the XML API's or `show config running`'s), or the text of `show high-availability all`. "
            "Findings (error: out of range, not supported, required otherwise; warning: a recommendation "
            "left out), each with where it is and the documented rules quoted; `not_checked` lists what "
            "the check cannot judge, `passed` what holds. The configuration is neither stored nor logged."
        ),
        annotations=READ_ONLY,
    )
    def check_config(
        config: Annotated[str, Field(min_length=1, description="The configuration text, XML or CLI output")],
        model: Annotated[
            str | None,
            Field(max_length=60, description="The firewall model, e.g. PA-3260 (may be left out for cn-series)"),
        ] = None,
        format: Annotated[
            Literal["auto", "xml", "text"], Field(description="auto: XML when it starts with '<'")
        ] = "auto",
        product: Annotated[str | None, Field(max_length=60, description="ngfw, cn-series, ...")] = None,
        deployment: Annotated[str | None, Field(max_length=60, description="aws, azure, ...")] = None,
        version: Annotated[str | None, Field(max_length=20, description="A PAN-OS version, e.g. 11.1")] = None,
    ) -> Annotated[CallToolResult, CheckResult]:
        def result() -> CheckResult:
            chosen = product or deployment or version
            scope = check_route.CheckScope(product=product, deployment=deployment, version=version) if chosen else None
            body = check_route.CheckRequest(config=config, model=model, format=format, scope=scope)
            report = check_route.check(body, engine(), settings)
            return CheckResult(**dict(report), citations=_collected(report))

        return _reply(settings, result, config_check.render_text)

    return server


class _Server(MCPServer[Any]):
    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        """Arguments that do not fit a tool's input schema: the SDK's error names pydantic's
        model and links its docs; say instead which argument is wrong and why."""
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            if type(exc) is ToolError and isinstance(exc.__cause__, ValidationError):
                raise ToolError(f"invalid arguments for {name}: {_explain(exc.__cause__)}") from exc.__cause__
            raise


def _reply(settings: Settings, make: Callable[[], M], text: Callable[[M], str]) -> CallToolResult:
    """Every tool's answer: `make()` (hakb's errors as tool errors), read by the model as
    `text(result)`, and as structured content."""
    with _tool_errors(settings):
        result = make()
    return _result(text(result), result)


@contextmanager
def _tool_errors(settings: Settings) -> Iterator[None]:
    """hakb's errors (and invalid arguments) as tool errors with the API's message."""
    try:
        yield
    except ValidationError as exc:
        raise ToolError(_explain(exc)) from exc
    except NotReady as exc:
        # As /v1 says it: what to do, without the server's directory layout.
        raise ToolError(f"no build is loaded yet: {public_reason(str(exc), settings.data_dir)}") from exc
    except HakbError as exc:
        if not problem_for(exc).public:
            log.error("MCP tool failed: %s", exc, exc_info=exc)
        raise ToolError(str(render(exc).body["message"])) from exc


def _explain(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        field = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        parts.append(f"{field}: {msg}" if field else msg)
    return "; ".join(parts)


def _result(text: str, data: BaseModel) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=data.model_dump(mode="json")
    )


def _unique(citations: list[Citation]) -> list[Citation]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for c in citations:
        key = (c.doc_id, c.section, c.quote)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return out


def _cited(facts: list[Fact]) -> list[Citation]:
    return _unique([f.citation for f in facts])


def _collected(model: BaseModel) -> list[Citation]:
    """Every citation anywhere in `model` (a checklist's cells and flows, a report's
    findings), in order, each once."""
    found: list[Citation] = []

    def walk(value: object) -> None:
        if isinstance(value, Citation):
            found.append(value)
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(model)
    return _unique(found)


# -- the text the model reads ------------------------------------------------------


def _source_line(c: Citation) -> str:
    section = c.section.split(" > ")[-1]
    where = c.title if section == c.title else f"{c.title} > {section}"
    scope = f" ({c.scope_label})" if c.scope_label else ""  # product, deployment, versions
    url = f" <{c.url}>" if c.url else ""
    return f'- {where}{scope}: "{c.quote}"{url}'


def _with_sources(lines: list[str], citations: list[Citation]) -> str:
    if citations:
        lines += ["", "Sources:", *(_source_line(c) for c in citations)]
    return "\n".join(lines)


def _answer_text(answer: Answer) -> str:
    lines = [answer.answer]
    if answer.kind == "abstain" and answer.looked_for:
        lines.append(f"(looked for: {answer.looked_for})")
    for conflict in answer.conflicts:
        pairs = "; ".join(f"{v} ({s})" for v, s in zip(conflict.values, conflict.sources, strict=False))
        lines.append(f"Documents disagree on {conflict.subject} {conflict.attribute}: {pairs}")
    return _with_sources(lines, answer.citations)


def _extra(protocol: str | None, qualifier: str | None) -> str:
    """' TCP (encrypted)' after a value; '' when there is neither."""
    extra = " ".join(filter(None, [protocol, f"({qualifier})" if qualifier else None]))
    return f" {extra}" if extra else ""


def _flag(conflict: bool) -> str:
    return " (documents disagree)" if conflict else ""


def _fact_line(f: Fact) -> str:
    scope = f" [{', '.join(f.platforms)}]" if f.platforms else ""
    return f"- {f.subject} {f.attribute}: {f.value}{_extra(f.protocol, f.qualifier)}{scope}{_flag(f.conflict)}"


def _facts_block(head: str, facts: list[Fact], citations: list[Citation]) -> str:
    return _with_sources([head, *(_fact_line(f) for f in facts)], citations)


def _facts_text(result: FactsResult) -> str:
    if not result.count:
        return "No documented fact matches."
    head = f"{result.count} facts" + (f" (the first {result.shown})" if result.shown < result.count else "") + ":"
    return _facts_block(head, result.facts, result.citations)


def _ports_text(result: PortsResult) -> str:
    lines = [f"{result.count} ports between HA peers:"]
    lines += [f"- {p.link}: {p.port}{_extra(p.protocol, p.qualifier)}{_flag(p.conflict)}" for p in result.ports]
    return _with_sources(lines, result.citations)


def _platform_text(result: PlatformResult) -> str:
    head = f"{result.model} (documented as {', '.join(result.documented_as)}): {result.count} facts:"
    return _facts_block(head, result.facts, result.citations)


# -- stdio ---------------------------------------------------------------------------


def run_stdio(settings: Settings) -> None:
    """`hakb mcp`: serve the tools on stdin/stdout until the client closes them.
    Without a build the tools say how to make one; a new build is picked up live."""
    engine = Engine.from_settings(settings)
    holder = engine.holder
    holder.refresh()
    holder.start_watching(settings.watch_interval_s)
    # The model and the retriever load in the background: the client's handshake is not kept waiting.
    threading.Thread(target=engine.warm_up, name="hakb-warm-up", daemon=True).start()
    try:
        build_server(lambda: engine, settings).run("stdio")
    finally:
        holder.stop()
