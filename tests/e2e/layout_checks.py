"""Layout checks run inside the page: labels next to their own control, no sideways overflow, readable charts."""

# Each visible control with a <label for>: the label must sit directly above it (horizontally overlapping, and the
# nearest control under the label is this one) or beside it (on the same line, the nearest control to its side).
# Returns the misplaced ones as "label text -> name of the control nearest the label".
LABELS_MISPLACED = """() => {
  // checkVisibility: the content of a closed <details> keeps a layout box in Chromium but is not shown.
  const visible = (el) => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && el.checkVisibility({ visibilityProperty: true }); };
  const controls = [...document.querySelectorAll('main input:not([type=hidden]), main select, main textarea')]
    .filter(visible);
  const problems = [];
  for (const control of controls) {
    if (!control.id) continue;
    const label = document.querySelector(`label[for="${control.id}"]`);
    if (!label || !visible(label)) continue;
    const l = label.getBoundingClientRect();
    const overlapsX = (r) => r.left < l.right && r.right > l.left;
    const overlapsY = (r) => r.top < l.bottom && r.bottom > l.top;
    const below = controls.filter((other) => { const r = other.getBoundingClientRect();
      return overlapsX(r) && r.top >= l.bottom - 2; })
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top);
    const gap = (el) => { const r = el.getBoundingClientRect();
      return Math.min(Math.abs(r.left - l.right), Math.abs(r.right - l.left)); };
    const beside = controls.filter((other) => overlapsY(other.getBoundingClientRect()))
      .sort((a, b) => gap(a) - gap(b));
    const c = control.getBoundingClientRect();
    const isAbove = below.length && below[0] === control && c.top - l.bottom < 120;
    const isBeside = beside.length && beside[0] === control;
    if (!isAbove && !isBeside) {
      const nearest = below[0] || beside[0];
      problems.push(`${label.textContent.trim()} (${control.name}) -> ${nearest ? nearest.name : 'nothing'}`);
    }
  }
  return problems;
}"""

PAGE_OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"

# SVG chart text: every text's box inside its chart's viewBox, and drawn at 12 px or more on screen.
CHART_TEXT_PROBLEMS = """() => {
  const problems = [];
  for (const svg of document.querySelectorAll('main svg[viewBox]')) {
    const rect = svg.getBoundingClientRect();
    if (!rect.width) continue;
    const box = svg.viewBox.baseVal;
    const scale = rect.width / box.width;
    for (const text of svg.querySelectorAll('text')) {
      const b = text.getBBox();
      const matrix = text.getCTM() && svg.getCTM() ? svg.getCTM().inverse().multiply(text.getCTM()) : null;
      const x = b.x + (matrix ? matrix.e : 0), y = b.y + (matrix ? matrix.f : 0);
      const inside = x >= box.x - 0.5 && y >= box.y - 0.5
        && x + b.width <= box.x + box.width + 0.5 && y + b.height <= box.y + box.height + 0.5;
      if (!inside) {
        problems.push(`clipped: ${text.textContent.trim()}`);
      }
      const size = parseFloat(getComputedStyle(text).fontSize) * scale;
      if (size < 11.95) problems.push(`${size.toFixed(1)} px: ${text.textContent.trim()}`);
    }
  }
  return problems;
}"""
