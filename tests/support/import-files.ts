/** Files to import in tests, as other programs write them. */

/** As Todoist writes a project's export: sections, comments (note), blank lines and view settings beside tasks. */
export const TODOIST_SAMPLE = [
  'TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE,DURATION,DURATION_UNIT,DEADLINE,DEADLINE_LANG',
  'section,Errands,,,,,,,,,,,,',
  'task,Buy milk @errands,Oat if they have it,1,1,Jane (14781400),,2026-05-04,en,Europe/London,,,,',
  'note,Remember the bags,,,,Jane (14781400),,,,,,,,',
  'task,Water the plants,,4,2,Jane (14781400),,every monday,en,Europe/London,,,,',
  'task,"Call Bob, about ""the plan""","Line one',
  'line two",2,1,Jane (14781400),,2026-05-06 09:30,en,Europe/London,15,minute,,',
  '',
  'task,File taxes,,3,1,Jane (14781400),,,en,Europe/London,,,,',
  'meta,view_style=list,,,,,,,,,,,,',
].join('\r\n');
