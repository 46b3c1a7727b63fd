/*
 * Times on the pages are written in UTC, as <time datetime="…" data-local>. With JavaScript on,
 * each is shown in the reader's own time zone, named, with the UTC text kept as its tooltip.
 */
(function () {
  'use strict';
  const format = new Intl.DateTimeFormat(undefined, {
    day: 'numeric', month: 'short', year: 'numeric',
    hour: '2-digit', minute: '2-digit', timeZoneName: 'short',
  });
  for (const time of document.querySelectorAll('time[data-local]')) {
    const when = new Date(time.dateTime);
    if (Number.isNaN(when.getTime())) continue;
    time.title = time.textContent;
    time.textContent = format.format(when);
  }
}());
