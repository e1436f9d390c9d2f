import type { SiteSettings, SiteSettingsData } from '@liveinsight/contract';
import { ApiError } from '../api/client.js';
import { byId, fill, h } from '../dom.js';

/**
 * The site's settings: shown with the read key, edited as one document, saved with an
 * admin key typed into the save dialog for that one request. The admin key goes from the
 * password field straight into the request: the field is emptied at once and nothing
 * here keeps a reference to it.
 */

/** Keys with a field of their own in the editor; every other key is edited as JSON. */
const OWN_FIELDS = ['hostnames', 'timezone'] as const;

/** The document minus the keys that have their own field. */
export function otherSettings(settings: SiteSettings): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...settings };
  for (const key of OWN_FIELDS) delete rest[key];
  return rest;
}

export interface SettingsDraft {
  /** One hostname per line (commas and spaces separate too). */
  hostnames: string;
  timezone: string;
  /** The other keys, as a JSON object. */
  json: string;
}

export function draftOf(settings: SiteSettings): SettingsDraft {
  const rest = otherSettings(settings);
  return {
    hostnames: (settings.hostnames ?? []).join('\n'),
    timezone: settings.timezone ?? '',
    json: Object.keys(rest).length ? JSON.stringify(rest, null, 2) : '{}',
  };
}

/**
 * The document PUT sends: the fields, then the JSON's keys. Only what cannot be sent at
 * all is caught here; what the document means (unknown keys, bad hostnames, a time zone
 * that does not exist) is the API's to judge, and its 400 names the field.
 */
export function documentOf(draft: SettingsDraft): { settings: SiteSettings } | { error: string } {
  let rest: unknown;
  try {
    rest = draft.json.trim() ? JSON.parse(draft.json) : {};
  } catch (error) {
    return { error: `The other settings are not valid JSON: ${(error as Error).message}` };
  }
  if (typeof rest !== 'object' || rest === null || Array.isArray(rest)) {
    return { error: 'The other settings must be a JSON object, { … }.' };
  }
  const doubled = OWN_FIELDS.find((key) => key in rest);
  if (doubled) return { error: `Set ${doubled} in its own field above, not in the JSON.` };
  const hostnames = draft.hostnames.split(/[\s,]+/).filter(Boolean);
  const timezone = draft.timezone.trim();
  return {
    settings: {
      ...(hostnames.length ? { hostnames } : {}),
      ...(timezone ? { timezone } : {}),
      ...(rest as SiteSettings),
    },
  };
}

/** Where a failed save is explained: a refused key in the dialog (to type another), the rest beside the editor. */
export function saveFailure(error: unknown): { where: 'dialog' | 'editor'; message: string } {
  if (error instanceof ApiError) {
    if (error.status === 403) return { where: 'dialog', message: 'That key is not an admin key: saving settings needs a key with the admin scope.' };
    if (error.status === 401) return { where: 'dialog', message: `That key was not accepted (${error.message}). Check it and try again.` };
  }
  return { where: 'editor', message: error instanceof Error ? error.message : String(error) };
}

function loadFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // Both answer 404 and only the message tells them apart, which is no contract: say both.
  if (error instanceof ApiError && error.status === 404) return `No settings to show (${message}): the site is not registered, or the collector is older than this dashboard.`;
  return `The settings could not be loaded: ${message}`;
}

export function renderSettings(container: HTMLElement, data: SiteSettingsData | undefined, error: unknown, onRetry: () => void): void {
  if (!data) {
    // Nothing yet is a loading skeleton (`.card-body:empty`); a 404 will not change on a retry.
    const retry = !(error instanceof ApiError && error.status === 404);
    fill(
      container,
      error !== undefined &&
        h(
          'p',
          { class: 'empty-panel muted' },
          loadFailure(error),
          retry && ' ',
          retry && h('button', { class: 'button', attrs: { type: 'button' }, on: { click: onRetry } }, 'Try again'),
        ),
    );
    return;
  }
  const { settings } = data;
  const rest = otherSettings(settings);
  const hostnames = settings.hostnames ?? [];
  fill(
    container,
    h(
      'dl',
      { class: 'settings-list' },
      h('dt', null, 'Hostnames'),
      h(
        'dd',
        { data: { setting: 'hostnames' } },
        hostnames.length
          ? h('ul', { class: 'settings-hosts' }, ...hostnames.map((host) => h('li', null, h('code', null, host))))
          : h('span', { class: 'muted' }, 'None listed: pages on any hostname may send events'),
      ),
      h('dt', null, 'Time zone'),
      h('dd', { data: { setting: 'timezone' } }, settings.timezone ? h('code', null, settings.timezone) : h('span', { class: 'muted' }, 'Not set')),
      h('dt', null, 'Goals, funnels, reports, alerts'),
      h(
        'dd',
        { data: { setting: 'other' } },
        Object.keys(rest).length ? h('pre', { class: 'settings-json' }, JSON.stringify(rest, null, 2)) : h('span', { class: 'muted' }, 'None set'),
      ),
    ),
  );
}

export interface SettingsPanel {
  render(data: SiteSettingsData | undefined, error: unknown): void;
}

export interface SettingsPanelOptions {
  /** Sends the document with the admin key; resolves once saved. */
  save(site: string, settings: SiteSettings, adminKey: string): Promise<unknown>;
  retry(): void;
}

/** The settings card of index.html (`#settings…`) and its save dialog (`#settings-save…`). */
export function createSettingsPanel({ save, retry }: SettingsPanelOptions): SettingsPanel {
  const body = byId('settings-body');
  const note = byId('settings-note');
  const saved = byId('settings-saved');
  const edit = byId<HTMLButtonElement>('settings-edit');
  const editor = byId<HTMLFormElement>('settings-editor');
  const fields = {
    hostnames: byId<HTMLTextAreaElement>('settings-hostnames'),
    timezone: byId<HTMLInputElement>('settings-timezone'),
    json: byId<HTMLTextAreaElement>('settings-json'),
  };
  const editorError = byId('settings-error');
  const dialog = byId<HTMLDialogElement>('settings-save');
  const dialogForm = byId<HTMLFormElement>('settings-save-form');
  const dialogSite = byId('settings-save-site');
  const adminKey = byId<HTMLInputElement>('settings-admin-key');
  const dialogError = byId('settings-save-error');
  const submit = byId<HTMLButtonElement>('settings-save-submit');

  let current: SiteSettingsData | undefined;
  /** What the dialog will send: the document and its site, never the key. */
  let pending: { site: string; settings: SiteSettings } | undefined;

  const showError = (element: HTMLElement, message: string) => {
    element.textContent = message;
    element.hidden = !message;
  };

  function closeEditor(): void {
    editor.hidden = true;
    edit.hidden = !current;
    pending = undefined;
    showError(editorError, '');
    if (dialog.open) dialog.close();
  }

  edit.addEventListener('click', () => {
    if (!current) return;
    const draft = draftOf(current.settings);
    fields.hostnames.value = draft.hostnames;
    fields.timezone.value = draft.timezone;
    fields.json.value = draft.json;
    showError(editorError, '');
    saved.textContent = '';
    editor.hidden = false;
    edit.hidden = true;
    fields.hostnames.focus();
  });

  byId('settings-cancel').addEventListener('click', closeEditor);

  editor.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!current) return;
    const result = documentOf({ hostnames: fields.hostnames.value, timezone: fields.timezone.value, json: fields.json.value });
    if ('error' in result) {
      showError(editorError, result.error);
      return;
    }
    showError(editorError, '');
    pending = { site: current.site_id, settings: result.settings };
    dialogSite.textContent = current.site_id;
    showError(dialogError, '');
    adminKey.value = '';
    dialog.showModal();
    adminKey.focus();
  });

  // However the dialog closes (Save, Cancel, Escape), the typed key leaves the page.
  dialog.addEventListener('close', () => {
    adminKey.value = '';
  });
  byId('settings-save-cancel').addEventListener('click', () => dialog.close());

  dialogForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const sending = pending;
    const key = adminKey.value.trim();
    adminKey.value = '';
    if (!sending || !key || submit.disabled) return;
    submit.disabled = true;
    showError(dialogError, '');
    save(sending.site, sending.settings, key).then(
      () => {
        submit.disabled = false;
        closeEditor();
        saved.textContent = 'Saved';
      },
      (error: unknown) => {
        submit.disabled = false;
        const failure = saveFailure(error);
        if (failure.where === 'dialog') {
          showError(dialogError, failure.message);
          adminKey.focus();
        } else {
          dialog.close();
          showError(editorError, failure.message);
        }
      },
    );
  });

  return {
    render(data, error) {
      // Another site's document arrived: an open editor belongs to the old one.
      if (current && data?.site_id !== current.site_id && !editor.hidden) closeEditor();
      if (data?.site_id !== current?.site_id) saved.textContent = '';
      current = data;
      edit.hidden = !data || !editor.hidden;
      note.textContent = data?.created_at ? `created ${data.created_at.slice(0, 10)}` : '';
      renderSettings(body, data, error, retry);
    },
  };
}
