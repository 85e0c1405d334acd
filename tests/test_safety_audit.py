"""Issue 28, statically: every Streamlit call in pages/ and ui/ that draws markdown takes text that is
constant, our own sentence with number-like values, or went through ui/plain.py; the rest is a
reviewed list below, each with the reason its text is ours. (The pages themselves: tests/test_safety_pages.py.)
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------- 1. the static audit

DRAWS_MARKDOWN = {"markdown", "warning", "error", "info", "success", "caption", "toast", "write", "table",
                  "exception", "progress", "subheader", "header", "title"}
NOT_STREAMLIT = {"log", "logging", "logger"}
NUMBER_CALLS = {"len", "int", "float", "round", "min", "max", "sum", "abs", "format"}
# Placeholders that hold numbers (or our own short words) in content/*.json; a stranger's text goes
# into placeholders such as name, error, label, source, reason, note, what, text, v.
NUMBER_PLACEHOLDERS = {
    "n", "i", "k", "d", "seed", "psi", "secs", "seconds", "steps", "start", "end", "h", "w", "js", "w_hat", "avg",
    "lo", "hi", "theta", "varied", "same", "done", "planned", "iterations", "batch", "minutes", "threads", "torch",
    "direct", "n_generated", "n_photos", "generated", "photos", "labels", "bins", "mb", "cap", "total", "seen",
    "size", "eig", "gan", "wgan", "status", "formula", "rate", "acc", "has", "hasnt", "need", "per", "ms", "page",
    "first", "last", "majority", "cells", "side", "render", "units", "measured", "inside", "outside", "threshold",
    "region", "low", "mean", "floor",
}

# Calls whose text is not a constant but is ours, reviewed one by one: "path: the call" -> why.
REVIEWED = {
    "ui/playground/dissect.py: st.caption(t(\"dissect.fewer_faces\", block=layer.index, n=n, all=dissect.RANK_FACES, "
    "units=layer.units, secs=d.estimate_seconds(layer, dissect.RANK_FACES, attributes)))": "numbers only (counts, seconds)",
    "ui/playground/dissect.py: st.info(t(\"dissect.no_rank\", units=layer.units, gmacs=d.rank_cost(layer, 1) / 1e9, "
    "faces=dissect.RANK_MIN_FACES, budget=dissect.MAX_RANK_MACS / 1e9))": "numbers only (counts, GMACs)",
    "pages/1_Playground.py: st.caption(controls.dims_caption(engine, state))": "numbers and our words",
    "pages/1_Playground.py: st.caption(t(\"playground.licence_title\") + \" \" + licence)":
        "share.licence_note returns plain.Plain (a model card's licence escaped)",
    "pages/2_Train.py: st.info(note)": "prefill notes: plain.said (a handed-over config may name an upload)",
    "pages/3_Experiments.py: st.warning(t(\"experiments.incomplete\", done=len(records), planned=planned, "
    "missing=i18n.join(missing)))": "run names of the study design (gan_core.study), not a visitor's",
    "pages/3_Experiments.py: st.markdown(ex.how_text(meta))": "the bundled results' metadata, written by us",
    "pages/3_Experiments.py: st.markdown(reading)": "the study's reading, from content",
    "pages/3_Experiments.py: st.caption(t(\"experiments.not_run\", runs=i18n.join(absent)))": "study run names",
    "pages/3_Experiments.py: st.error(ex.run_message(run))": "the bundled results' own messages",
    "pages/3_Experiments.py: st.table(diff)": "settings of the bundled study runs",
    "pages/5_Why_training_fails.py: st.markdown(f\"| D(G(z)) = {d_now:.3f} | {t('fails.fig_b.table_loss')} | "
    "{t('fails.fig_b.table_grad')} |\\n\" \"|---|---|---|\\n\" + \"\\n\".join(rows))": "a table of numbers",
    "pages/8_The_course_DCGAN.py: st.markdown(course.labels_table())": "the course's tables, from content",
    "pages/8_The_course_DCGAN.py: st.caption(course.preset_blurb(\"course.open_course_blurb\", "
    "theory.course_train_config()))": "a preset's blurb",
    "pages/8_The_course_DCGAN.py: st.caption(course.preset_blurb(\"course.open_stable_blurb\", "
    "theory.stable_train_config()))": "a preset's blurb",
    "ui/i18n.py: st.markdown(\"\\n\".join(f\"- [{r['text']}]({r['url']})\" for r in items(f\"{page}.refs\")))":
        "the references' links, from content (the only links the app draws on purpose)",
    "ui/i18n.py: st.markdown(f\"{icon or ''} {label}\")": "a page's label, from content",
    "ui/playground/controls.py: where.caption(t(\"presets.pggan_gpu\" if gpu else \"presets.pggan_cpu\", "
    "name=device_name(engine.device)))": "torch's device name",
    "ui/playground/controls.py: where.caption(caption)": "a named slider's caption, from content",
    "ui/playground/controls.py: where.caption(sefa_effect_caption(sefa_effects[i]))": "numbers and our words",
    "ui/playground/photo.py: st.markdown(_residual_sentence(residual))": "our sentence with numbers",
    "ui/playground/views.py: col.markdown(f\"**{title}**\")": "lerp / slerp titles, from content",
    "ui/theory/dynamics.py: st.markdown(head + \"\\n|---|---|---|---|\\n\" + \"\\n\".join(rows))": "numbers",
    "ui/theory/quiz.py: st.markdown(q[\"explain\"])": "a quiz explanation, from content",
    "ui/theory/quiz.py: st.error(t(\"common.wrong\", answer=options[q[\"answer\"]]))": "a quiz option, from content",
    "ui/theory/quiz.py: st.error(t(\"common.wrong\", answer=show_number(q[\"answer\"])))": "a number",
    "ui/train/data.py: (st.success if report.accepted else st.error)(upload_summary(report))":
        "upload_summary returns plain.Plain (counts and our reason words)",
    "ui/train/data.py: st.caption(t(\"train.offline\", names=missing))": "dataset names, from content",
    "ui/uploads.py: box.caption(uploaded_names([f.name for f in files]))":
        "uploaded_names is plain.said with each name through plain.name",
    "ui/train/data.py: st.error(error if isinstance(error, plain.Plain) else plain.said(\"train.upload_error\", "
    "error=plain.engine(error)))": "plain either way",
    "ui/train/data.py: bar.progress(min(seen / total, 1.0) if total else 0.0, text=text)": "plain.said",
    "ui/train/run.py: st.progress(snap.progress, text=text)": "numbers and our words",
    "ui/theory/metrics.py: st.markdown(_table([t(f\"{m}.swd_table.{k}\") for k in (\"shift\", \"per_set\", \"shared\", "
    "\"colour\")], [[t(f\"{m}.shifts.{name}\"), f\"{per:.1f}\", f\"{shared:.1f}\", f\"{colour:.1%}\"] for name, per, "
    "shared, colour in swd_rows]))": "a table of numbers and our words",
    "ui/theory/metrics.py: st.markdown(_table([t(f\"{m}.pr_table.{k}\") for k in (\"set\", \"precision\", \"recall\", "
    "\"seconds\")], [[t(f\"{m}.pr_floor\") if psi is None else f\"ψ = {psi:g}\", f\"{p:.3f}\", f\"{r:.3f}\", "
    "f\"{s:.1f}\"] for psi, p, r, s in pr_rows]))": "a table of numbers and our words",
    "ui/playground/custom.py: st.warning(error_text(code, values))": "error_text is plain.said",
    "ui/playground/custom.py: st.warning(error_text(exc.code, exc.values))": "error_text is plain.said",
    "pages/1_Playground.py: st.caption(share.hub_source_note(model.info))": "share.hub_source_note returns plain.said",
    "ui/theory/modes.py: st.markdown(\"| \" + \" | \".join(t(f\"theorylab.modes.table.{c}\") for c in cols) + "
    "\" |\\n|---|---|---|---|---|\\n\" + \"\\n\".join(rows))": "a table of numbers",
    "ui/theory/modes.py: st.markdown(t(\"theorylab.modes.after\", jsd=kept_text(found[\"jsd\"].kept)))": "numbers",
    "ui/theory/toylab.py: st.error(text)": "formula refusals: t(...) with i18n.engine_error, whose facts are escaped",
    "ui/train/formula.py: st.error(text)": "formula refusals (as in the toy lab)",
    "ui/train/formula.py: st.caption(t(\"formula.keeps\", loss=loss_labels()(ss.get(\"tr_loss\", \"lsgan\"))))":
        "a loss's label, from content",
    "ui/train/run.py: b3.caption(t(\"safety.plan_one\" if data.n_images == 1 else \"train.plan\", "
    "iterations=config.iterations, batch=config.batch_size, n=data.n_images or \"?\") + \" \" + "
    "t(\"harden.time_cap\", minutes=plain.num(cap / 60, \"g\")) + \" \" + t(\"presets.device_gpu\" if "
    "device.startswith(\"cuda\") else \"presets.device_cpu\", name=device_name(device)))": "numbers and torch's device name",
    "ui/train/run.py: st.caption(t(\"train.compare_caption\", a=a.label, b=b.label))":
        "run labels are built from the config's loss and lr (messages.run_label), never from a name",
    "ui/train/run.py: st.toast(ss[\"train_notice\"])": "our notices (t(...))",
    "ui/train/run.py: st.success(message)": "messages.final_message: our sentences, gan_core's through plain.engine",
    "ui/train/run.py: st.info(message)": "messages.final_message",
    "ui/train/run.py: st.error(f\"{t('train.diverged_title')} {message}\")": "messages.final_message",
    "ui/train/run.py: st.error(msg.error_message(snap))": "messages.error_message returns plain",
    "ui/train/run.py: getattr(st, level)(text)": "settings.warnings_for and the data notes: our sentences",
    "ui/train/queue.py: st.caption(t(\"queue.backend\", backend=t(f\"queue.backends.{status.backend}\") if "
    "status.backend in (\"local\", \"ray\") else status.backend, workers=status.workers, running=status.running, "
    "waiting=status.waiting) + \" \" + rule_text(status))": "the server's backend name and numbers",
    "ui/train/queue.py: st.progress(0.0, text=position_text(snap))": "a queue place and a duration",
    "ui/train/queue.py: st.info(t(\"queue.fallback\", note=status.note))": "the server's own fallback note",
    "ui/train/run.py: st.markdown(health_text(job.config.loss))": "a loss's text, from content",
    "ui/train/run.py: st.markdown(t(\"train.run_status\", label=rec.label, status=t(f\"train.statuses.{snap.status}\"),"
    " n=snap.iteration))": "run labels: see compare_caption",
    "ui/train/run.py: st.table({t(\"train.setting\"): [plain.md(k) for k in diffs], plain.md(a.label): "
    "[plain.md(v[0]) for v in diffs.values()], plain.md(b.label): [plain.md(v[1]) for v in diffs.values()]})":
        "every cell through plain.md",
}


def _receiver_names(func) -> set:
    names, node = set(), func.value
    while isinstance(node, ast.Attribute):
        names.add(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        names.add(node.id)
    return names


def _is_call_to(node, module: str, names=None) -> bool:
    f = node.func
    if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == module:
        return names is None or f.attr in names
    return False


def _is_t(node) -> bool:
    return (isinstance(node.func, ast.Name) and node.func.id in ("t", "text_in")) or \
        _is_call_to(node, "i18n", {"t", "text_in"})


def safe(node) -> bool:
    """Text that cannot hold a stranger's markdown: constants, our sentences with number-like values,
    and anything ui/plain.py made."""
    if isinstance(node, ast.Constant) or isinstance(node, ast.Name) and node.id.isupper():   # a module constant
        return True
    if isinstance(node, ast.JoinedStr):
        return all(isinstance(v, ast.Constant) or v.format_spec is not None or safe(v.value) for v in node.values)
    if isinstance(node, ast.BinOp):
        return safe(node.left) and safe(node.right)
    if isinstance(node, ast.IfExp):
        return safe(node.body) and safe(node.orelse)
    if isinstance(node, ast.Call):
        if _is_call_to(node, "plain"):
            return True
        if _is_t(node):
            return all(k.arg in NUMBER_PLACEHOLDERS or safe(k.value) for k in node.keywords)
        if isinstance(node.func, ast.Name) and node.func.id in ("engine_text", "engine_error", "formula_nonfinite"):
            return True           # ui/i18n.py's plain-text makers (they return i18n.Plain)
        return isinstance(node.func, ast.Name) and node.func.id in NUMBER_CALLS
    return False


def markdown_calls():
    """(key for REVIEWED, is it safe) for every call that draws markdown in pages/ and ui/."""
    paths = sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py"), ROOT / "app.py"])
    for path in paths:
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            f = node.func
            getattr_st = (isinstance(f, ast.Call) and isinstance(f.func, ast.Name) and f.func.id == "getattr"
                          and isinstance(f.args[0], ast.Name) and f.args[0].id == "st")
            either_st = isinstance(f, ast.IfExp) and isinstance(f.body, ast.Attribute) and f.body.attr in DRAWS_MARKDOWN
            draws = (isinstance(f, ast.Attribute) and f.attr in DRAWS_MARKDOWN
                     and not _receiver_names(f) & NOT_STREAMLIT) or getattr_st or either_st
            if not draws:
                continue
            first = [] if isinstance(f, ast.Attribute) and f.attr == "progress" else list(node.args[:1])   # a number
            texts = first + [k.value for k in node.keywords if k.arg in ("body", "text")]
            key = f"{path.relative_to(ROOT)}: " + " ".join(ast.get_source_segment(source, node).split())
            yield key, all(safe(t) for t in texts), node


def test_every_markdown_call_takes_plain_text_or_is_reviewed():
    calls = list(markdown_calls())
    assert len(calls) > 100                       # the walk sees the pages' calls
    unreviewed = [key for key, ok, _ in calls if not ok and key not in REVIEWED]
    assert not unreviewed, ("route these through ui.plain (md / said / engine / notes), or add them to "
                            "REVIEWED with the reason their text is ours:\n" + "\n".join(unreviewed))
    stale = set(REVIEWED) - {key for key, ok, _ in calls if not ok}
    assert not stale, f"REVIEWED names calls that are gone or now plain: {sorted(stale)}"


def test_html_is_allowed_only_for_our_own_constant_css():
    for path in sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py"), ROOT / "app.py"]):
        tree = ast.parse(path.read_text())
        constants = {t.id for n in tree.body if isinstance(n, ast.Assign) and isinstance(n.value, ast.Constant)
                     for t in n.targets if isinstance(t, ast.Name)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and any(k.arg == "unsafe_allow_html" for k in node.keywords):
                arg = node.args[0]
                assert isinstance(arg, ast.Constant) or (isinstance(arg, ast.Name) and arg.id in constants), \
                    f"{path.name}:{node.lineno}: unsafe_allow_html with text that is not a module constant"


def test_every_uploader_hides_the_browsers_file_name_and_says_it_neutral():
    # Streamlit's own file chip shows a name as the browser gave it (an RLO reverses it); only
    # ui.uploads.file_uploader draws an uploader, inside the box whose chip names UPLOAD_NAMES_CSS hides.
    direct, wrapped = [], 0
    for path in sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").rglob("*.py"), ROOT / "app.py"]):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "file_uploader":
                if _is_call_to(node, "uploads"):
                    wrapped += 1
                elif path != ROOT / "ui" / "uploads.py":
                    direct.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not direct, f"draw these with ui.uploads.file_uploader: {direct}"
    assert wrapped >= 4           # the dataset, checkpoint, photo and slider-file uploaders
