"""The `hakb` command: a thin adapter over the ingest pipeline and the engine.

Exit codes: 0 done/answered, 1 ingest finished with failures (or a part the
answers need is down), 2 usage or input error (or no build yet, or a busy port), 3 the
engine abstained, 141 the reader of stdout closed the pipe (`hakb facts | head`). An error's exit code comes from the table in hakb.errors.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from hakb import __version__, admin
from hakb.errors import EXIT_ABSTAIN, EXIT_FAILED, EXIT_OK, EXIT_USAGE, BadInput, ConfigError, HakbError, exit_code
from hakb.settings import Settings

if TYPE_CHECKING:
    from hakb.service.engine import Engine
    from hakb.service.models import Answer

# Stdout's reader closed the pipe (`hakb facts | head`): what a shell reports for a
# command killed by SIGPIPE (128 + 13).
EXIT_PIPE = 141


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        try:
            settings = Settings()
        except ValidationError as exc:
            # One line per setting, named as in the environment; never the value (a key).
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()
            )
            raise ConfigError(f"bad configuration: {problems}") from exc
        except ValueError as exc:
            raise ConfigError(f"bad configuration: {exc}") from exc
        status = int(args.func(args, settings))
        sys.stdout.flush()  # here, not at exit: a closed pipe is then seen below
        return status
    except BrokenPipeError:
        return _pipe_closed()
    except HakbError as exc:
        print(f"hakb: {exc}", file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt:
        print("hakb: interrupted", file=sys.stderr)
        return 130


def _pipe_closed() -> int:
    """`hakb facts | head`: the reader took what it wanted and left. End quietly, as a
    Unix command killed by SIGPIPE does (141), with stdout pointed at /dev/null so the
    interpreter's last flush has nowhere to fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is no file descriptor (captured, closed)
        pass
    return EXIT_PIPE


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="hakb", description="Cited answers about PAN-OS HA links, ports and platforms.")
    p.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    p.add_argument("--version", action="version", version=f"hakb {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    ing = sub.add_parser("ingest", help="read documents into a new build")
    ing.add_argument("sources", nargs="*", help="files, directories or URLs (default: the docs directory)")
    ing.add_argument("--replace", action="store_true", help="the build holds exactly these sources")
    ing.add_argument("--json", action="store_true", help="print the report as JSON")
    ing.add_argument("--progress", action="store_true", help="show each stage on stderr even when it is not a terminal")
    ing.add_argument(
        "--allow-private",
        action="store_true",
        help="follow a URL's redirects to loopback, private or link-local addresses (refused by default)",
    )
    ing.set_defaults(func=cmd_ingest)

    facts = sub.add_parser("facts", help="print the facts table")
    facts.add_argument("--subject")
    facts.add_argument("--attribute")
    facts.add_argument("--platform")
    facts.add_argument("--json", action="store_true")
    facts.set_defaults(func=cmd_facts)

    chg = sub.add_parser("changes", help="facts added, removed and changed between two PAN-OS versions")
    chg.add_argument("--from", dest="from_version", required=True, metavar="VERSION", help="e.g. 10.1")
    chg.add_argument("--to", dest="to_version", required=True, metavar="VERSION", help="e.g. 11.1")
    chg.add_argument("--subject", help="HA1, HA3, a model (PA-5400); every subject when omitted")
    chg.add_argument("--product", help="ngfw, panorama, cn-series, ...; every product when omitted")
    chg.add_argument("--json", action="store_true", help="print the JSON of GET /v1/changes")
    chg.set_defaults(func=cmd_changes)

    cl = sub.add_parser("checklist", help="every flow between two HA peers for a model and deployment, cited")
    cl.add_argument("--model", required=True, help="a firewall model or family: PA-3260, PA-3200 Series")
    cl.add_argument("--mode", default="active-passive", help="active-passive (a/p), active-active (a/a), cluster")
    cl.add_argument("--ha1-encryption", action="store_true", help="HA1 encryption is on")
    cl.add_argument("--ha2-transport", default="ethernet", help="ethernet, ip or udp")
    cl.add_argument("--backups", default="", help="comma-separated: ha1, ha2, heartbeat (ha4 in a cluster)")
    cl.add_argument("--ha3", action=argparse.BooleanOptionalAction, default=None, help="HA3 (default: in a/a)")
    cl.add_argument("--hsci", action="store_true", help="HA2 (and HA3) over the platform's HSCI port")
    cl.add_argument("--product", help="ngfw, cn-series, ... (default: the platform's product)")
    cl.add_argument("--deployment", help="aws, azure, ...")
    cl.add_argument("--version", dest="scope_version", metavar="VERSION", help="a PAN-OS version: 10.2")
    cl.add_argument("--format", choices=("text", "csv", "json"), default="text")
    cl.set_defaults(func=cmd_checklist)

    ck = sub.add_parser(
        "check",
        help="check an HA configuration against the documents (exit 1 when a finding is an error)",
        description="Check deviceconfig/high-availability (XML) or the text of `show high-availability all`. "
        "Exit 0: no error findings (warnings allowed); 1: error findings; 2: unreadable configuration, unknown "
        "model or no build.",
    )
    ck.add_argument("file", help="the configuration file ('-' reads stdin)")
    ck.add_argument("--model", help="the firewall model: PA-3260, PA-850, PA-7050 (leave out for --product cn-series)")
    ck.add_argument("--format", dest="config_format", choices=("auto", "xml", "text"), default="auto")
    ck.add_argument("--product", help="check against this product's documents (default: the main one)")
    ck.add_argument("--deployment", help="aws, azure, ...")
    ck.add_argument("--version", dest="scope_version", metavar="VERSION", help="a PAN-OS version: 10.2")
    ck.add_argument("--json", action="store_true", help="print the JSON of POST /v1/check")
    ck.add_argument("--not-checked", action="store_true", help="also list what the check could not judge")
    ck.set_defaults(func=cmd_check)

    ask = sub.add_parser("ask", help="answer a question ('-' reads one per line from stdin)")
    ask.add_argument("question", nargs="+")
    ask.add_argument("--json", action="store_true", help="print the Answer object")
    ask.add_argument("--top-k", type=int, default=5)
    ask.add_argument("--product", help="answer for this product: ngfw, vm-series, cn-series, panorama, ...")
    ask.add_argument("--deployment", help="answer for this cloud or environment: aws, azure, gcp, ...")
    ask.add_argument("--version", dest="scope_version", metavar="VERSION", help="answer for this PAN-OS version")
    ask.add_argument("--platform", help="answer for this firewall model or family: PA-3410, PA-3400 Series")
    ask.add_argument(
        "--server",
        metavar="URL",
        help="ask this running hakb service instead of loading the index (default: $HAKB_SERVER; "
        "its key: $HAKB_SERVER_KEY)",
    )
    ask.set_defaults(func=cmd_ask)

    serve = sub.add_parser("serve", help="run the HTTP API with uvicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)

    mcp = sub.add_parser("mcp", help="serve the MCP tools on stdin/stdout (for an AI assistant)")
    mcp.set_defaults(func=cmd_mcp)

    ev = sub.add_parser("eval", help="score the engine, the strong peer and the naive peer on the gold set")
    ev.add_argument("--gold", type=Path, default=None)
    ev.add_argument("--out", type=Path, default=None, help="results JSON (default: eval/results/latest.json)")
    ev.add_argument(
        "--corpus",
        type=Path,
        action="append",
        default=None,
        help="pages to ingest with the bundled docs, repeatable (default: ../shared/corpus/pages and /scoped)",
    )
    ev.add_argument("--no-baseline", action="store_true", help="leave out the naive peer")
    ev.add_argument("--no-strong", action="store_true", help="leave out the strong peer")
    ev.add_argument(
        "--work-dir", type=Path, default=None, help="where the eval index is kept (default: $HAKB_DATA_DIR/eval-cache)"
    )
    ev.add_argument(
        "--ablate",
        action="append",
        default=[],
        metavar="PART",
        help="switch an engine part off (repeatable): facts, passages, dense, ranker, guard",
    )
    ev.add_argument("--variants", type=int, default=2, metavar="N", help="reworded variants per right answer (0: none)")
    ev.add_argument("--seed", type=int, default=None, help="seed of the variants (default: fixed)")
    ev.set_defaults(func=cmd_eval)

    tr = sub.add_parser("train-ranker", help="fit the ranker's weights and abstain threshold on the dev split")
    tr.add_argument(
        "--corpus",
        type=Path,
        action="append",
        default=None,
        help="pages to ingest with the bundled docs, repeatable (default: ../shared/corpus/pages and /scoped)",
    )
    tr.add_argument("--gold", type=Path, default=None)
    tr.add_argument("--work-dir", type=Path, default=None, help="where the training index is kept")
    tr.set_defaults(func=cmd_train_ranker)

    bench = sub.add_parser("bench", help="measure latency, throughput, start-up and memory")
    bench.add_argument("--corpus", type=Path, default=None)
    bench.add_argument(
        "--requests", type=int, default=None, help="requests (default 2000; with --hostile, per family: 40)"
    )
    bench.add_argument(
        "--hostile", action="store_true", help="pathological questions against hakb serve: the worst p99 they provoke"
    )
    bench.set_defaults(func=cmd_bench)
    admin.add_parsers(sub)  # builds list|rollback, docs list
    return p


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    from hakb.ingest.loaders import FetchPolicy, fetch_policy
    from hakb.ingest.pipeline import IngestOptions, Pipeline

    sources = args.sources or [str(settings.docs_dir)]
    replace = args.replace or not args.sources  # the docs directory is the whole truth
    options = IngestOptions.from_settings(settings, replace=replace)
    from hakb.progress import for_ingest

    # On stderr, when it is a terminal or --progress asks: stdout (--json) stays clean.
    progress = for_ingest(force=args.progress)

    from hakb.ingest import builds
    from hakb.ingest.core_facts import build_core_changes

    previous = builds.current_build_id(settings.index_dir) if settings.index_dir.is_dir() else None
    policy = FetchPolicy(allow_private=args.allow_private, deadline_s=settings.fetch_deadline_s)
    with fetch_policy(policy):
        result = Pipeline(options).run(sources, progress)
    core = build_core_changes(settings.index_dir, previous, result.build_id) if result.changed else []
    if progress is not None:
        progress.close()
    if args.json:
        print(
            json.dumps(
                {
                    "build_id": result.build_id,
                    "changed": result.changed,
                    "counts": result.counts,
                    "seconds": round(result.seconds, 3),
                    "error": result.error,
                    "core_changes": core,
                    "documents": [r.model_dump() for r in result.reports],
                },
                indent=2,
            )
        )
    else:
        for r in result.failed:
            print(f"error: {r.error}", file=sys.stderr)
        c = result.counts
        state = "new build" if result.changed else "unchanged"
        if result.error:
            print(f"error: {result.error}", file=sys.stderr)
        else:
            print(
                f"{state} {result.build_id}: {c.get('documents', 0)} documents, {c.get('sections', 0)} sections, "
                f"{c.get('facts', 0)} facts, {c.get('chunks', 0)} chunks, {c.get('conflicts', 0)} conflicts "
                f"in {result.seconds:.2f} s" + (f"; {len(result.failed)} failed" if result.failed else "")
            )
            if core:
                print("core facts this ingest changes (HA link ports, protocols, ether types, layers):")
                for line in core:
                    print(f"  {line}")
    if result.error and not result.build_id:
        return EXIT_USAGE if not result.reports or all(not r.ok for r in result.reports) else EXIT_FAILED
    return EXIT_FAILED if (result.error or result.failed) else EXIT_OK


def _engine(settings: Settings) -> Engine:
    """The engine over the current build; NotReady (exit 2) when there is none."""
    from hakb.service.engine import Engine

    engine = Engine.from_settings(settings)
    engine.holder.refresh()
    engine.build  # raises NotReady, naming what to do  # noqa: B018
    return engine


def cmd_facts(args: argparse.Namespace, settings: Settings) -> int:
    table = _engine(settings).build.facts
    facts = table.query(subject=args.subject, attribute=args.attribute, platform=args.platform)
    if args.json:
        print(json.dumps([f.model_dump() for f in facts], indent=2))
        return EXIT_OK
    for f in facts:
        scope = f" [{', '.join(f.platforms)}]" if f.platforms else ""
        extra = " ".join(filter(None, [f.protocol, f"({f.qualifier})" if f.qualifier else None]))
        flag = " CONFLICT" if f.conflict else ""
        print(
            f"{f.subject:18} {f.attribute:18} {f.value[:60]} {extra}{scope}{flag}  <- {f.title} > {f.section.split(' > ')[-1]}"
        )
    print(f"{len(facts)} facts", file=sys.stderr)
    return EXIT_OK


def cmd_changes(args: argparse.Namespace, settings: Settings) -> int:
    from hakb.service.changes import changes

    # A bad or unknown version, subject or product is a BadInput: main() prints it, exit 2.
    found = changes(_engine(settings).build, args.subject, args.from_version, args.to_version, args.product)
    print(found.model_dump_json(indent=2) if args.json else found.render_text())
    return EXIT_OK


def cmd_checklist(args: argparse.Namespace, settings: Settings) -> int:
    from hakb.service.checks import checklist as cl

    # An unknown model (NotFound) or a ruled-out combination (RuledOut) is printed by main(), exit 2.
    build = _engine(settings).build
    deployment = cl.Deployment(
        model=args.model,
        mode=cl.parse_mode(args.mode),
        ha1_encryption=args.ha1_encryption,
        ha2_transport=args.ha2_transport.strip().lower(),
        backups=cl.parse_backups(args.backups),
        ha3=args.ha3,
        hsci=args.hsci,
        product=args.product,
        deployment=args.deployment,
        version=args.scope_version,
    )
    found = cl.build_checklist(build.facts, build.scope_vocabulary, deployment)
    renderers = {"json": lambda c: c.model_dump_json(indent=2) + "\n", "csv": cl.render_csv, "text": cl.render_text}
    sys.stdout.write(renderers[args.format](found))
    return EXIT_OK


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    from hakb.errors import PayloadTooLarge
    from hakb.service.checks.config_check import check_config, parse_config, render_text
    from hakb.service.scope_choice import ScopeChoice

    limit = settings.max_body_bytes
    try:  # at most one character over the limit: /dev/zero or a huge file is refused, not read whole
        if args.file == "-":
            text = sys.stdin.read(limit + 1)
        else:
            with open(args.file, encoding="utf-8", errors="replace") as handle:
                text = handle.read(limit + 1)
    except OSError as exc:
        raise BadInput(f"cannot read {args.file}: {exc.strerror}") from None
    if len(text) > limit:
        name = "standard input" if args.file == "-" else args.file
        raise PayloadTooLarge(
            f"{name} is over {limit:,} characters (HAKB_MAX_BODY_BYTES): give only the high-availability section"
        )
    parse_config(text, args.config_format)  # an unreadable configuration fails before the build loads
    scope = ScopeChoice(product=args.product, deployment=args.deployment, version=args.scope_version)
    report = check_config(
        _engine(settings).build, text, args.model, scope, args.config_format, max_chars=settings.max_body_bytes
    )
    print(report.model_dump_json(indent=2) if args.json else render_text(report, not_checked=args.not_checked), end="")
    return EXIT_FAILED if report.errors else EXIT_OK


def _asker(args: argparse.Namespace, settings: Settings) -> Callable[[str], Answer]:
    """Answers questions with the scope the flags name: through a running service
    (--server, $HAKB_SERVER: no index loaded here) or with the engine over the build."""
    server = args.server or settings.server
    if server:
        from hakb.client import HakbClient

        client = HakbClient(server, api_key=settings.server_key)
        scope = {
            "product": args.product,
            "deployment": args.deployment,
            "version": args.scope_version,
            "platform": args.platform,
        }
        # The service reads the scope (a value it cannot read is its 422: exit 2 here).
        return lambda question: client.ask(question, scope=scope, top_k=args.top_k)
    from hakb.service.scope_choice import ScopeChoice

    engine = _engine(settings)
    chosen = ScopeChoice(args.product, args.deployment, args.scope_version, args.platform)
    # A value that cannot be read is a BadInput: main() prints what is wrong, exit 2.
    asked = None if chosen.empty else chosen.resolve(engine.build.scope_vocabulary)
    return lambda question: engine.ask(question, top_k=args.top_k, scope=asked)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from hakb.errors import Unavailable

    questions = args.question
    ask = _asker(args, settings)
    if questions == ["-"]:
        status = EXIT_OK
        for line in sys.stdin:
            if not line.strip():
                continue
            try:
                answer = ask(line.strip()[: settings.max_question_chars])
            except Unavailable as exc:  # the engine's EngineError, or a service out of reach
                print(json.dumps({"question": line.strip(), "error": str(exc)}), flush=True)
                status = EXIT_FAILED
                continue
            print(answer.model_dump_json(), flush=True)
        return status
    question = " ".join(questions)
    if not question.strip():
        raise BadInput("the question is empty")
    if len(question) > settings.max_question_chars:
        raise BadInput(f"the question is {len(question)} characters; the limit is {settings.max_question_chars}")
    # An EngineError (or the service's error) is a HakbError: main() reports it.
    answer = ask(question)
    if args.json:
        print(answer.model_dump_json(indent=2))
    else:
        print(answer.answer)
        for c in answer.citations:
            scope = f" [{c.scope_label}]" if c.scope_label else ""
            print(
                f'  - {c.title} > {c.section.split(" > ")[-1]}{scope}: "{c.quote}"' + (f" <{c.url}>" if c.url else "")
            )
    return EXIT_ABSTAIN if answer.kind == "abstain" else EXIT_OK


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if args.workers < 1:
        raise BadInput("--workers must be at least 1")
    # Before the engine loads: uvicorn finds a busy port only after starting the app,
    # and its exit then aborts ("terminate called ...", 134) instead of saying so.
    _check_port(args.host, args.port)
    from hakb.service.api.serving import limit_malloc_arenas, prepare_metrics, uvicorn_options

    limit_malloc_arenas()
    prepare_metrics(args.workers)  # several workers: one /metrics over all of them
    # Timeouts that cut off slow clients, a concurrency cap, logs with worker pids.
    options = uvicorn_options(settings, verbose=args.verbose)
    app = "hakb.service.api.app:create_app"
    if args.workers > 1:
        from hakb.service.api import workers

        config = uvicorn.Config(app, factory=True, host=args.host, port=args.port, log_level="info", **options)
        also = workers.LLAMA_INDEX if settings.dense_search == "llama-index" else ()
        return workers.serve(config, args.workers, also=also)  # forked after the imports: one copy of them
    uvicorn.run(app, factory=True, host=args.host, port=args.port, log_level="info", **options)
    return EXIT_OK


def _check_port(host: str, port: int) -> None:
    """BadInput (exit 2, one line) when `hakb serve` could not listen on host:port."""
    import errno
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError, OverflowError) as exc:
        raise BadInput(f"cannot listen on {host}:{port}: {exc}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
        try:
            sock.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise BadInput(
                    f"port {port} on {host} is already in use: stop what listens there or pick another --port"
                ) from None
            if exc.errno == errno.EACCES:
                raise BadInput(f"no permission to listen on {host}:{port}: pick a port above 1023") from None
            raise BadInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def cmd_mcp(args: argparse.Namespace, settings: Settings) -> int:
    from hakb.service.mcp_server import run_stdio

    run_stdio(settings)  # stdout is the protocol's: nothing else may print there
    return EXIT_OK


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from hakb.eval.harness import run_eval
    from hakb.eval.variants import DEFAULT_SEED
    from hakb.service.engine import PARTS

    unknown = sorted(set(args.ablate) - set(PARTS))
    if unknown:
        print(
            f"hakb eval: unknown part(s) to ablate: {', '.join(unknown)} (parts: {', '.join(PARTS)})", file=sys.stderr
        )
        return EXIT_USAGE
    if args.variants < 0:
        print("hakb eval: --variants must be 0 or more", file=sys.stderr)
        return EXIT_USAGE
    return run_eval(
        settings,
        gold=args.gold,
        out=args.out,
        corpus=args.corpus,
        baseline=not args.no_baseline,
        strong=not args.no_strong,
        work_dir=args.work_dir,
        ablate=args.ablate,
        variants=args.variants,
        seed=DEFAULT_SEED if args.seed is None else args.seed,
    )


def cmd_train_ranker(args: argparse.Namespace, settings: Settings) -> int:
    from hakb.eval.harness import DEFAULT_CORPORA
    from hakb.eval.train_ranker import run_train

    # The eval's own build: weights are fitted on the documents they are scored on.
    corpus = args.corpus or [c for c in DEFAULT_CORPORA if c.is_dir()]
    return run_train(settings, corpus, work_dir=args.work_dir, gold=args.gold)


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    if args.hostile:
        from hakb.eval.hostile import DEFAULT_REQUESTS, run_hostile

        return run_hostile(corpus=args.corpus, requests=args.requests or DEFAULT_REQUESTS)
    from hakb.eval.bench import run_bench

    return run_bench(settings, corpus=args.corpus, requests=args.requests or 2000)


if __name__ == "__main__":
    sys.exit(main())
