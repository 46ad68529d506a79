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

// Where the browser is (time zone, language): sent with the sign-in and sign-up forms, and reported
// when it changes for an account that follows its browser (the body's data-region-* say what the
// server has). The server decides what "today" is from it; nothing here changes what is shown.
(() => {
  const region = {
    time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone ?? '',
    locale: navigator.language ?? '',
  };
  for (const input of document.querySelectorAll('input[data-browser-region]')) {
    input.value = region[input.getAttribute('data-browser-region')] ?? '';
  }
  const known = document.querySelector('nav.account-nav')?.dataset;
  if (known?.regionFollowsBrowser !== 'true') return;
  if (known.regionTimeZone === region.time_zone && known.regionLocale === region.locale) return;
  // Once per tab for each region: should the server keep something else (a locale it cannot write
  // dates in), the page must not reload again and again.
  const reported = JSON.stringify(region);
  if (sessionStorage.getItem('region-reported') === reported) return;
  sessionStorage.setItem('region-reported', reported);
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  fetch('/settings/browser-region', { method: 'POST', headers: form, body: new URLSearchParams(region) })
    .then((answer) => {
      // The list shows dates and "overdue" as of the old region: show it as of the new one.
      if (answer.status === 204) window.location.reload();
    })
    .catch(() => {});
})();
