"""``syngrasp report DIR``: one self-contained HTML page about a finished run.

Sections: a contact sheet of random episodes (short frame strips per camera,
target boxes drawn on), success rate with the failure histogram overall and
per target category, distributions of the randomized parameters, instruction
variety, episode lengths, bytes per frame, and throughput over the run. Plots
are drawn by matplotlib (Agg backend); every image is a PNG embedded as base64,
so the file opens anywhere without its dataset. A small script in the page
records, after load, how many images decoded (``data-images-ok`` on <body>).
"""

from __future__ import annotations

import base64
import collections
import html
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from ..core.atomic import atomic_write_text  # noqa: E402
from .report_data import (SUCCESS_LABEL, ReportData, episode_frames, load_report_data, outcome_counts,  # noqa: E402
                          randomized_parameters)

# labels come from the dataset (categories, failure reasons, instructions): "$\\frac$" is text, never mathtext
PLAIN_TEXT = {"text.usetex": False, "text.parse_math": False}

STRIP_FRAMES = 6
TILE_PX = 128


def _png(img: Image.Image) -> str:
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode()


def _fig(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _n(value, fmt: str = "d") -> str:
    """A number for the page: formatted via int()/float(), so a string that is not a number ("<script>")
    raises instead of reaching the HTML."""
    v = float(value) if fmt != "d" else int(value)
    return html.escape(format(v, fmt))


def _img(b64: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{b64}">'


def contact_strip(data: ReportData, e, cams: tuple[str, ...]) -> Image.Image:
    """One row per camera of STRIP_FRAMES frames spread over the episode, target box in red."""
    which = np.unique(np.linspace(0, e.length - 1, STRIP_FRAMES).round().astype(int))
    sheet = Image.new("RGB", (TILE_PX * len(which), TILE_PX * len(cams)), "white")
    for r, cam in enumerate(cams):
        imgs, boxes = episode_frames(data, e, cam, which)
        for c, (im, box) in enumerate(zip(imgs, boxes)):
            tile = Image.fromarray(im).resize((TILE_PX, TILE_PX), Image.NEAREST)
            if not np.all(box == -1):
                s = TILE_PX / im.shape[1], TILE_PX / im.shape[0]
                ImageDraw.Draw(tile).rectangle([box[0] * s[0], box[1] * s[1], box[2] * s[0], box[3] * s[1]],
                                               outline=(255, 0, 0), width=2)
            sheet.paste(tile, (c * TILE_PX, r * TILE_PX))
    return sheet


def _outcome_plots(data: ReportData) -> tuple[str, str, float, int]:
    overall, per_cat = outcome_counts(data)
    n = sum(overall.values())
    rate = overall.get(SUCCESS_LABEL, 0) / max(n, 1)
    names = [SUCCESS_LABEL] + sorted(k for k in overall if k != SUCCESS_LABEL)
    fig, ax = plt.subplots(figsize=(7, 3))
    ax.bar(names, [overall.get(k, 0) for k in names], color=["tab:green"] + ["tab:red"] * (len(names) - 1))
    ax.set_ylabel("episode indices")
    ax.set_title(f"outcomes of {n} attempted indices (success {rate:.0%})")
    ax.tick_params(axis="x", rotation=30)
    a = _fig(fig)
    cats = sorted(per_cat, key=lambda c: -sum(per_cat[c].values()))
    outs = [SUCCESS_LABEL] + sorted({o for c in per_cat.values() for o in c} - {SUCCESS_LABEL})
    fig, ax = plt.subplots(figsize=(8, 3.2))
    bottom = np.zeros(len(cats))
    cmap = plt.get_cmap("tab10")
    for i, o in enumerate(outs):
        v = np.array([per_cat[c].get(o, 0) for c in cats], float)
        ax.bar(cats, v, bottom=bottom, label=o, color="tab:green" if o == SUCCESS_LABEL else cmap((i + 2) % 10))
        bottom += v
    ax.set_ylabel("episode indices")
    ax.set_title("outcome per target category")
    ax.tick_params(axis="x", rotation=30)
    ax.legend(fontsize=7, ncol=2)
    return a, _fig(fig), rate, n


def _parameter_plots(data: ReportData) -> str:
    params = randomized_parameters(data)
    keys = sorted(params)
    cols = 3
    rows = max(1, int(np.ceil(len(keys) / cols)))
    fig, axes = plt.subplots(rows, cols, figsize=(11, 2.6 * rows))
    for ax, k in zip(np.ravel(axes), keys):
        v = params[k]
        if k in ("lights per scene", "objects per scene"):
            vals, counts = np.unique(v.astype(int), return_counts=True)
            ax.bar(vals, counts, color="tab:blue")
            ax.set_xticks(vals)
        else:
            ax.hist(v, bins=min(20, max(5, len(v) // 2)), color="tab:blue")
        ax.set_title(f"{k} (n={len(v)})", fontsize=9)
    for ax in np.ravel(axes)[len(keys):]:
        ax.axis("off")
    fig.tight_layout()
    return _fig(fig)


def _episode_plots(data: ReportData) -> tuple[str, str]:
    lengths = [e.length for e in data.episodes]
    fig, axes = plt.subplots(1, 2, figsize=(11, 3))
    axes[0].hist(lengths, bins=min(20, max(5, len(lengths) // 2)), color="tab:purple")
    axes[0].set_title(f"episode length [frames] (n={len(lengths)})")
    fmts = sorted(k for k in data.stats if "bytes_per_frame" in data.stats[k])
    axes[1].bar(fmts, [data.stats[f]["bytes_per_frame"] / 1024 for f in fmts], color="tab:orange")
    axes[1].set_title("bytes per frame [KiB]")
    a = _fig(fig)
    counts = collections.Counter(e.instruction for e in data.episodes)
    top = counts.most_common(12)
    fig, ax = plt.subplots(figsize=(9, 0.3 * len(top) + 1))
    ax.barh([t for t, _ in top][::-1], [c for _, c in top][::-1], color="tab:cyan")
    ax.set_title(f"{len(counts)} distinct instructions in {len(data.episodes)} episodes (most frequent)")
    return a, _fig(fig)


def _throughput_plot(data: ReportData) -> str:
    fig, axes = plt.subplots(1, 2, figsize=(11, 3))
    if data.records:
        order = np.argsort(data.record_mtimes)
        t_end = np.asarray(data.record_mtimes)[order]
        t0 = min(t - r["seconds"] for t, r in zip(data.record_mtimes, data.records))
        frames = np.cumsum([data.records[i]["frames"] for i in order])
        axes[0].step(np.r_[0, t_end - t0], np.r_[0, frames], where="post", color="tab:green")
        axes[0].set_xlabel("wall time since the first shard started [s]")
        axes[0].set_ylabel("frames written")
        axes[0].set_title("throughput over the run (shard completions)")
        idx = [r["shard_index"] for r in data.records]  # not a schema key: shard record field
        fps = [r["frames"] / max(r["seconds"], 1e-9) for r in data.records]
        axes[1].bar(idx, fps, color="tab:green")
        axes[1].set_xticks(idx)
        axes[1].set_xlabel("shard")
        axes[1].set_title("frames/s per shard (one worker each)")
    else:
        for ax in axes:
            ax.text(0.5, 0.5, "no shard records", ha="center")
    return _fig(fig)


_CHECK = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  document.body.setAttribute('data-images-ok', ok);
  document.body.setAttribute('data-images-total', imgs.length);
  document.getElementById('render-check').textContent = 'images decoded: ' + ok + ' of ' + imgs.length;
});
</script>"""


def report_html(root: str, episodes_shown: int = 6, seed: int = 0) -> str:
    """The report page for the dataset in ``root``; ``episodes_shown`` random episodes (drawn with ``seed``)."""
    data = load_report_data(root)
    with plt.rc_context(PLAIN_TEXT):
        return _page(data, root, episodes_shown, seed)


def _page(data: ReportData, root: str, episodes_shown: int, seed: int) -> str:
    """The page's HTML; every value from the dataset is escaped (text) or formatted by ``_n`` (numbers)."""
    rng = np.random.default_rng(seed)
    shown = sorted(rng.choice(len(data.episodes), min(episodes_shown, len(data.episodes)), replace=False)) if data.episodes else []
    outcomes, per_cat, rate, attempted = _outcome_plots(data)
    lengths, instructions = _episode_plots(data)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>syngrasp report</title>",
        "<style>body{font-family:sans-serif;margin:24px;max-width:1200px}img{max-width:100%;display:block;margin:6px 0}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}"
        ".ep{margin:12px 0;padding:6px;border:1px solid #ddd}</style></head><body>",
        f"<h1>syngrasp report</h1><p>{html.escape(root)}</p><p id='render-check'>images not checked</p>",
        f"<p><b>{_n(len(data.episodes))}</b> episodes written, <b>{_n(sum(e.length for e in data.episodes))}</b> frames; "
        f"success rate <b>{_n(rate, '.1%')}</b> of {_n(attempted)} attempted episode indices.</p>",
        "<h2>Contact sheet</h2><p>Random episodes; frames spread over each episode, one row per camera; "
        "the target's box in red.</p>",
    ]
    for i in shown:
        e = data.episodes[i]
        strip = contact_strip(data, e, data.cameras)
        parts.append(f"<div class='ep'><b>episode {_n(e.index)}</b> (shard {_n(e.shard)}, {_n(e.length)} frames, "
                     f"{SUCCESS_LABEL if e.success else html.escape(str(e.failure_reason))}): "
                     f"{html.escape(str(e.instruction))}"
                     f"{_img(_png(strip), f'episode {_n(e.index)}')}</div>")
    parts += [
        "<h2>Success and failures</h2>", _img(outcomes, "outcomes"), _img(per_cat, "outcome per category"),
        "<h2>Randomized parameters</h2><p>From the SceneSpec stored with each written episode.</p>",
        _img(_parameter_plots(data), "randomized parameters"),
        "<h2>Episodes, instructions, bytes</h2>", _img(lengths, "episode lengths and bytes per frame"),
        _img(instructions, "instructions"),
        "<table><tr><th>format</th><th>episodes</th><th>frames</th><th>bytes</th><th>bytes/frame</th></tr>",
    ]
    for fmt, s in data.stats.items():
        if "bytes" in s:
            parts.append(f"<tr><td>{html.escape(fmt)}</td><td>{_n(s['episodes'])}</td><td>{_n(s['frames'])}</td>"
                         f"<td>{_n(s['bytes'])}</td><td>{_n(s['bytes_per_frame'])}</td></tr>")
    parts += ["</table>", "<h2>Throughput</h2>", _img(_throughput_plot(data), "throughput"), _CHECK, "</body></html>"]
    return "\n".join(parts)


def write_report(root: str, out: str, episodes_shown: int = 6) -> str:
    """Write the report for ``root`` to ``out`` atomically; returns ``out``."""
    atomic_write_text(out, report_html(root, episodes_shown))
    return out
