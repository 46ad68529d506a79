// Small enhancements on top of htmx. The page works without this file (and without htmx);
// nothing here is evaluated from strings, so it runs under our strict Content-Security-Policy.
(() => {
  // The server marks what should have focus after a swap (a cleared form, the first invalid
  // field, an inline editor); htmx announces each inserted piece with htmx:after:process.
  document.addEventListener('htmx:after:process', (event) => {
    const root = event.target instanceof Element ? event.target : null;
    const wanted = root?.matches('[data-autofocus]') ? root : root?.querySelector('[data-autofocus]');
    if (!wanted) return;
    wanted.removeAttribute('data-autofocus');
    wanted.focus();
  });

  // Escape leaves an inline editor without saving, like its Cancel link.
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !(event.target instanceof Element)) return;
    const cancel = event.target.closest('form.task-edit')?.querySelector('a.cancel');
    if (!cancel) return;
    event.preventDefault();
    cancel.click();
  });

  function alert(message) {
    const region = document.getElementById('alerts');
    if (!region) return;
    const paragraph = document.createElement('p');
    paragraph.textContent = message;
    region.replaceChildren(paragraph);
  }

  // 4xx answers carry their own message for the alert region. 5xx answers are not swapped (see the
  // htmx-config meta tag): they may be a proxy's error page, so we say what happened instead.
  document.addEventListener('htmx:response:error', (event) => {
    const status = event.detail?.ctx?.response?.status ?? 0;
    if (status === 503) alert('The service is busy right now. Nothing was changed; please try again in a moment.');
    else if (status >= 500) alert(`Something went wrong on our side (HTTP ${status}). Please try again.`);
  });

  document.addEventListener('htmx:error', () => {
    alert('The server could not be reached. Check your connection and try again.');
  });
})();
