"""Small charts drawn on the server as inline SVG: no script, no CDN.

Each chart is a ``Markup`` string with a title and a text description for
screen readers; the dashboard also lists the numbers in a table.
"""

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 14, 34
COLOURS = {"approved": "#0f6b3a", "pending": "#8a5300", "rejected": "#a3201b"}


def _frame(title: str, description: str, body: list[str], top: float, unit: str = "") -> Markup:
    plot_h = HEIGHT - TOP - BOTTOM
    grid = []
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        label = f"{value:.0f}" if top >= 4 else f"{value:.2g}"
        grid.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{label}{unit}</text>'
        )
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title><desc>{escape(description)}</desc>"
        + "".join(grid)
        + "".join(body)
        + "</svg>"
    )


def _x_labels(labels: list[str], step_width: float) -> list[str]:
    every = max(1, len(labels) // 7)
    return [
        f'<text x="{LEFT + step_width * (i + 0.5):.1f}" y="{HEIGHT - 12}" '
        f'text-anchor="middle">{escape(label)}</text>'
        for i, label in enumerate(labels)
        if i % every == 0
    ]


def stacked_bars(title: str, rows: list[dict], keys: list[str], label_key: str) -> Markup:
    """One bar per row, its ``keys`` stacked (e.g. comments per day by status)."""
    top = max([sum(row[k] for k in keys) for row in rows] + [1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(rows), 1)
    body = []
    for i, row in enumerate(rows):
        y = TOP + plot_h
        for key in keys:
            h = plot_h * row[key] / top
            y -= h
            if row[key]:
                body.append(
                    f'<rect x="{LEFT + step * i + step * 0.15:.1f}" y="{y:.1f}" '
                    f'width="{step * 0.7:.1f}" height="{h:.1f}" fill="{COLOURS.get(key, "#555")}">'
                    f"<title>{escape(str(row[label_key]))}: {row[key]} {escape(key)}</title></rect>"
                )
    body += _x_labels([_short(row[label_key]) for row in rows], step)
    legend = ", ".join(f"{k} ({COLOURS.get(k, '#555')})" for k in keys)
    total = sum(sum(row[k] for k in keys) for row in rows)
    return _frame(title, f"{total} in all; stacked: {legend}", body, top)


def line(title: str, rows: list[dict], key: str, label_key: str, unit: str = "") -> Markup:
    """A line through ``row[key]`` for each row; gaps where it is None."""
    values = [row[key] for row in rows]
    top = max([v for v in values if v is not None] + [1])
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(rows), 1)
    points, body = [], []
    for i, value in enumerate(values):
        if value is None:
            if len(points) > 1:
                body.append(f'<polyline points="{" ".join(points)}" class="line"/>')
            points = []
            continue
        x, y = LEFT + step * (i + 0.5), TOP + plot_h - plot_h * value / top
        points.append(f"{x:.1f},{y:.1f}")
        body.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" class="dot"><title>'
            f"{escape(str(rows[i][label_key]))}: {value}{escape(unit)}</title></circle>"
        )
    if len(points) > 1:
        body.append(f'<polyline points="{" ".join(points)}" class="line"/>')
    body += _x_labels([_short(row[label_key]) for row in rows], step)
    known = [v for v in values if v is not None]
    description = f"from {known[0]} to {known[-1]}{unit}" if known else "no data"
    return _frame(title, description, body, top, unit)


def _short(day) -> str:
    return day.strftime("%d %b") if hasattr(day, "strftime") else str(day)
