// Small enhancements on top of htmx. The page works without this file (and without htmx);
// nothing here is evaluated from strings, so it runs under our strict Content-Security-Policy.
(() => {
  /** Focus for an element that is not a control (an item, the list): reachable by script, not by Tab. */
  function focusOn(element) {
    if (!element.hasAttribute('tabindex') && element.tabIndex < 0) element.setAttribute('tabindex', '-1');
    element.focus();
  }

  // The server marks what should have focus after a swap (the first invalid field, an inline
  // editor); htmx announces each inserted piece with htmx:after:process.
  document.addEventListener('htmx:after:process', (event) => {
    const root = event.target instanceof Element ? event.target : null;
    const wanted = root?.matches('[data-autofocus]') ? root : root?.querySelector('[data-autofocus]');
    if (!wanted) return;
    wanted.removeAttribute('data-autofocus');
    focusOn(wanted);
  });

  // A task item's controls come ignored by htmx (data-hydrate on the item, hx-ignore on them):
  // wiring up three controls an item as the page loads is a long task on a phone. They are handed
  // to htmx when a person reaches the item, in the capture phase of that first event: the
  // listeners htmx adds to a control then still hear the event (a target's listeners are read when
  // the event gets there).
  function hydrate(event) {
    const item = event.target instanceof Element ? event.target.closest('[data-hydrate]') : null;
    if (!item || !window.htmx) return;
    item.removeAttribute('data-hydrate');
    for (const part of item.querySelectorAll('[hx-ignore]')) part.removeAttribute('hx-ignore');
    window.htmx.process(item);
  }
  for (const type of ['focusin', 'pointerdown', 'click', 'submit']) document.addEventListener(type, hydrate, true);

  const mainSwapOf = (event) => event.detail?.tasks?.find((task) => task.type === 'main');

  // A control that its own answer replaces (a status filter, Load more, an Undo) says where the focus
  // goes in that answer (data-focus-in-answer): otherwise it falls to the page's start with it. An
  // answer that marks its own place (the task an Undo brought back) has the last word.
  document.addEventListener('htmx:before:swap', (event) => {
    const selector = event.detail.ctx.sourceElement?.getAttribute?.('data-focus-in-answer');
    const answer = mainSwapOf(event)?.fragment;
    if (!selector || !answer || answer.querySelector('[data-autofocus]')) return;
    answer.querySelector(selector)?.setAttribute('data-autofocus', '');
  });

  // An item that leaves the list (deleted, or completed where only open tasks show) takes the
  // focus with it: it goes to the item that takes its place, else the one before, else the heading.
  document.addEventListener('htmx:before:swap', (event) => {
    const main = mainSwapOf(event);
    const item = main?.swapSpec?.style === 'delete' ? main.target : null;
    if (!(item instanceof Element) || !item.matches('#task-items > li')) return;
    const active = document.activeElement;
    if (active && active !== document.body && !item.contains(active)) return;
    const next = item.nextElementSibling ?? item.previousElementSibling ?? document.getElementById('task-list-heading');
    if (next) focusOn(next);
  });

  // The add form (data-type-ahead) stays in the user's hands while its request is on its way:
  // they may be typing the next task already. htmx read the fields when the request left, so
  // an answer must never take back what was typed after that.
  const typedFields = (form) =>
    Array.from(form.elements).filter((field) => field.name && field.type !== 'hidden' && field.type !== 'submit');

  document.addEventListener('htmx:before:swap', (event) => {
    const { ctx } = event.detail;
    const form = ctx.sourceElement;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-type-ahead')) return;
    const sent = ctx.request.body; // URLSearchParams
    if (!sent) return;
    if (ctx.response.status < 300) takeOutWhatWasSent(form, sent);
    else keepWhatWasTypedSince(form, sent, mainSwapOf(event)?.fragment);
  });

  /**
   * Added: each field loses the text the request carried and keeps what was typed after it (the
   * next title, typed ahead); a field changed in another way is the user's and stays as it is, and
   * so does a choice made for every task (data-keep: priority and due date). A field whose text
   * changed says so (an input event), so what listens to it (the quick-add preview) follows.
   * The errors of an earlier attempt go, and the cursor stays in (or comes back to) the form.
   */
  function takeOutWhatWasSent(form, sent) {
    for (const field of typedFields(form)) {
      const carried = sent.get(field.name) ?? '';
      if (field.hasAttribute('data-keep') || !carried || !field.value.startsWith(carried)) continue;
      const caret = field.selectionEnd; // null where there is no caret
      field.value = field.value.slice(carried.length);
      if (caret !== null && field === document.activeElement) {
        const at = Math.max(0, caret - carried.length);
        field.setSelectionRange(at, at);
      }
      field.dispatchEvent(new Event('input', { bubbles: true }));
    }
    clearFieldErrors(form);
    const active = document.activeElement;
    const lost = !active || active === document.body || (form.contains(active) && !typedFields(form).includes(active));
    if (lost) typedFields(form)[0]?.focus();
  }

  function clearFieldErrors(form) {
    for (const error of form.querySelectorAll('.field-error')) {
      const field = form.querySelector(`[aria-describedby~="${error.id}"]`);
      field?.removeAttribute('aria-invalid');
      const rest = (field?.getAttribute('aria-describedby') ?? '').split(' ').filter((id) => id && id !== error.id);
      if (rest.length) field?.setAttribute('aria-describedby', rest.join(' '));
      else field?.removeAttribute('aria-describedby');
      error.closest('.field-invalid')?.classList.remove('field-invalid');
      error.remove();
    }
  }

  /**
   * Refused (422): the answer is the form again, as sent and with its errors. Into each field
   * that was typed in since, the answer takes what the field holds now; and the focus stays
   * where the user is typing.
   */
  function keepWhatWasTypedSince(form, sent, answer) {
    const again = answer?.querySelector(`form#${form.id}`);
    if (!again) return;
    let typedSince = false;
    for (const field of typedFields(form)) {
      if (field.value === (sent.get(field.name) ?? '')) continue;
      typedSince = true;
      const copy = again.elements.namedItem(field.name);
      if (copy instanceof HTMLTextAreaElement) copy.textContent = field.value;
      else if (copy instanceof HTMLSelectElement) {
        for (const option of copy.options) option.toggleAttribute('selected', option.value === field.value);
      } else copy?.setAttribute('value', field.value);
    }
    if (!typedSince) return;
    for (const wanted of again.querySelectorAll('[autofocus], [data-autofocus]')) {
      wanted.removeAttribute('autofocus');
      wanted.removeAttribute('data-autofocus');
    }
  }

  // The quick-add preview is not asked for a title longer than data-preview-up-to: such a title
  // cannot be added, and its address could pass the server's limit (an error, not a preview).
  document.addEventListener('htmx:config:request', (event) => {
    const { ctx } = event.detail;
    const limit = Number(ctx.sourceElement?.dataset?.previewUpTo);
    if (!limit || ctx.sourceElement.value.length <= limit) return;
    event.preventDefault();
    ctx.target?.replaceChildren();
  });

  // Escape leaves an inline editor without saving, like its Cancel link.
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Escape' || !(event.target instanceof Element)) return;
    const cancel = event.target.closest('form.task-edit')?.querySelector('a.cancel');
    if (!cancel) return;
    event.preventDefault();
    cancel.click();
  });

  /** One message at a time: an alert replaces whatever status message was showing. */
  function alert(message) {
    const region = document.getElementById('alerts');
    if (!region) return;
    const paragraph = document.createElement('p');
    paragraph.textContent = message;
    region.replaceChildren(paragraph);
    document.getElementById('flash')?.replaceChildren();
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

  // The bulk actions say how many tasks are ticked (their buttons are described by it), and "Select
  // all", shown only here since it needs a script, ticks or unticks every task in the list.
  const selectAll = document.getElementById('select-all');
  const selection = document.getElementById('bulk-selection');
  const taskBoxes = () => Array.from(document.querySelectorAll('#task-items input.task-select'));

  function showSelection() {
    if (!selectAll || !selection) return;
    const boxes = taskBoxes();
    const ticked = boxes.filter((box) => box.checked).length;
    selectAll.checked = ticked > 0 && ticked === boxes.length;
    selectAll.indeterminate = ticked > 0 && ticked < boxes.length;
    // The first words stay until something is ticked: a live region that changes as the page loads is read out.
    if (!ticked && !selection.dataset.counted) return;
    selection.dataset.counted = 'true';
    const text = ticked ? `${ticked} task${ticked === 1 ? '' : 's'} selected` : 'No tasks selected';
    if (selection.textContent !== text) selection.textContent = text;
  }

  if (selectAll && selection) {
    selectAll.closest('label').hidden = false;
    selectAll.addEventListener('change', () => {
      for (const box of taskBoxes()) box.checked = selectAll.checked;
      showSelection();
    });
    document.addEventListener('change', (event) => {
      if (event.target instanceof Element && event.target.matches('input.task-select')) showSelection();
    });
    // A swapped-in list (a filter, Load more, a bulk change) has ticks of its own.
    document.addEventListener('htmx:after:process', showSelection);
    showSelection();
  }

  // The shortcuts' dialog (the same list as /shortcuts, whose link opens it here). Closing it, by
  // Escape or its button, gives the focus back to where it was.
  let dialogOpener = null;
  function openDialog(dialog) {
    if (!(dialog instanceof HTMLDialogElement) || dialog.open) return;
    dialogOpener = document.activeElement;
    dialog.showModal();
  }
  for (const dialog of document.querySelectorAll('dialog')) {
    dialog.addEventListener('close', () => {
      if (dialogOpener?.isConnected) dialogOpener.focus();
      dialogOpener = null;
    });
  }
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[data-opens-dialog]') : null;
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    const dialog = document.getElementById(link.dataset.opensDialog);
    if (!dialog) return;
    event.preventDefault();
    openDialog(dialog);
  });

  // Keyboard shortcuts (components/shortcuts.tsx lists them). One key each, never while typing in a
  // field and never with Ctrl, Alt or Meta held, so neither what is typed nor the browser's own keys
  // are taken. "The task" is the item the focus is in; j and k move the focus from item to item.
  const TYPING_FIELD =
    'input:not([type="checkbox"], [type="radio"], [type="button"], [type="submit"], [type="reset"]), textarea, select';
  const isTypingIn = (element) =>
    element instanceof HTMLElement && (element.matches(TYPING_FIELD) || element.isContentEditable);
  const taskItems = () => Array.from(document.querySelectorAll('#task-items > li'));
  const focusedTask = () => document.activeElement?.closest?.('#task-items > li') ?? null;
  const pressIn = (scope, selector) => scope?.querySelector(selector)?.click();

  function moveThroughTasks(step) {
    const items = taskItems();
    if (!items.length) return;
    const at = items.indexOf(focusedTask());
    const next = at === -1 ? (step > 0 ? 0 : items.length - 1) : Math.min(Math.max(at + step, 0), items.length - 1);
    focusOn(items[next]);
  }

  const SHORTCUTS = {
    n: () => document.getElementById('new-title')?.focus(),
    '/': () => document.getElementById('search-q')?.focus(),
    j: () => moveThroughTasks(1),
    k: () => moveThroughTasks(-1),
    x: () => pressIn(focusedTask(), 'input.task-select'),
    c: () => pressIn(focusedTask(), 'form[action$="/complete"] button, form[action$="/reopen"] button'),
    e: () => pressIn(focusedTask(), 'a[href*="/edit"]'),
    '#': () => pressIn(focusedTask(), 'form[action$="/delete"] button'),
    u: () => pressIn(document.getElementById('flash'), 'form.undo button'),
    '?': () => openDialog(document.getElementById('shortcuts-dialog')),
  };

  document.addEventListener('keydown', (event) => {
    if (event.ctrlKey || event.altKey || event.metaKey || event.isComposing || event.defaultPrevented) return;
    if (!Object.hasOwn(SHORTCUTS, event.key) || isTypingIn(event.target)) return;
    // A modal dialog keeps the keys to itself (Escape closes it).
    if (document.querySelector('dialog[open]')) return;
    // Taken from the browser: "/" would open its quick find, and a field given the focus would get the letter.
    event.preventDefault();
    SHORTCUTS[event.key]();
  });
})();

// Where the browser is (time zone, language): sent with the sign-in and sign-up forms, and reported
// when it changes for an account that follows its browser (the nav's data-region-* say what the
// server has). The server decides what "today" is from it; nothing here changes what is shown.
// The browser's time zone comes from Intl, whose first use costs a phone a long task: it is asked
// for only when needed (a form sent; an offset or language other than the server's).
(() => {
  const browserRegion = () => ({
    time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone ?? '',
    locale: navigator.language ?? '',
  });
  document.addEventListener(
    'submit',
    (event) => {
      const inputs =
        event.target instanceof HTMLFormElement ? event.target.querySelectorAll('[data-browser-region]') : [];
      if (!inputs.length) return;
      const region = browserRegion();
      for (const input of inputs) input.value = region[input.getAttribute('data-browser-region')] ?? '';
    },
    true,
  );
  const known = document.querySelector('nav.account-nav')?.dataset;
  if (known?.regionFollowsBrowser !== 'true') return;
  // The same offset now gives the same "today" as the server's zone; should the offsets part later
  // (a trip, or a summer time one of the zones does not have), the first page after that reports it.
  const sameOffset = known.regionOffset === String(-new Date().getTimezoneOffset());
  if (sameOffset && known.regionLocale === navigator.language) return;
  const region = browserRegion();
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
