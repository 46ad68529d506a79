/** @jsxImportSource @kitajs/html */
import type { TaskPriority } from '../src/tasks/model';
import { type Calendar, writtenDate } from './calendar-dates';

/** What the words of a title set (src/tasks/quick-add.ts): a priority, a due date, both or neither. */
export interface QuickAddSettings {
  priority?: TaskPriority;
  due_date?: string;
}

/** The preview under the add form's title (the title field's hint: describedBy), which GET /tasks/preview fills with htmx. */
export const QUICK_ADD_PREVIEW_ID = 'new-title-hint';

/** "due Fri 4 Dec · priority high"; empty when the title sets nothing. */
export function quickAddSummary(settings: QuickAddSettings, calendar: Calendar): string {
  const parts = [
    settings.due_date ? `due ${writtenDate(settings.due_date, calendar)}` : '',
    settings.priority ? `priority ${settings.priority}` : '',
  ];
  return parts.filter(Boolean).join(' · ');
}

/** The preview's words: what an add of this title will set, or nothing. */
export function QuickAddPreviewText({ settings, calendar }: { settings: QuickAddSettings; calendar: Calendar }) {
  const summary = quickAddSummary(settings, calendar);
  return summary ? <span safe>{`Will set: ${summary}`}</span> : '';
}

/**
 * Says, while the title is typed, what its words will set. A polite live region that stays in
 * the page (htmx replaces its words, never the title field; see docs/troubleshooting.md), and the
 * title's description, so a screen reader announces it and can read it again.
 */
export function QuickAddPreview({ settings, calendar }: { settings: QuickAddSettings; calendar: Calendar }) {
  return (
    <p id={QUICK_ADD_PREVIEW_ID} class="field-hint quick-add-preview" aria-live="polite">
      <QuickAddPreviewText settings={settings} calendar={calendar} />
    </p>
  );
}
