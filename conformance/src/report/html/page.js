// Filters: verdict checkboxes and free text. The state lives in the URL fragment
// (#verdict=fail,skip&q=dpop) so a filtered view can be bookmarked or shared.
(function () {
  const boxes = Array.from(document.querySelectorAll('input[name=verdict]'));
  const text = document.getElementById('q');
  const rows = Array.from(document.querySelectorAll('details.result'));
  const shown = document.getElementById('shown');

  function apply(updateUrl) {
    const on = new Set(boxes.filter((b) => b.checked).map((b) => b.value));
    const words = text.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let n = 0;
    for (const r of rows) {
      const hay = r.dataset.search;
      const visible = on.has(r.dataset.verdict) && words.every((w) => hay.includes(w));
      r.hidden = !visible;
      if (visible) n += 1;
    }
    shown.textContent = String(n);
    if (updateUrl) {
      const parts = ['verdict=' + Array.from(on).join(',')];
      if (text.value.trim()) parts.push('q=' + encodeURIComponent(text.value.trim()));
      history.replaceState(null, '', '#' + parts.join('&'));
    }
  }

  function load() {
    const params = new URLSearchParams(location.hash.slice(1));
    if (params.has('verdict')) {
      const want = new Set(params.get('verdict').split(',').filter(Boolean));
      for (const b of boxes) b.checked = want.has(b.value);
    }
    if (params.has('q')) text.value = params.get('q');
    apply(false);
  }

  boxes.forEach((b) => b.addEventListener('change', () => apply(true)));
  text.addEventListener('input', () => apply(true));
  window.addEventListener('hashchange', load);
  load();
  document.body.dataset.ready = 'true';
})();
