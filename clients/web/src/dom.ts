// The few DOM helpers the app needs. Text always goes in through textContent, never as HTML, so nothing the server
// or a user typed can become markup or script.

/** The element with this id, checked to be of the expected type (the HTML and the code must agree). */
export function byId<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T {
  const found = document.getElementById(id);
  if (!(found instanceof type)) {
    throw new Error(`The page has no ${type.name} #${id}.`);
  }
  return found;
}

export interface ElementOptions {
  readonly className?: string;
  readonly text?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A new element with a class, text or attributes, and children. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K, options: ElementOptions = {}, ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const created = document.createElement(tag);
  if (options.className !== undefined) {
    created.className = options.className;
  }
  if (options.text !== undefined) {
    created.textContent = options.text;
  }
  for (const [name, value] of Object.entries(options.attributes ?? {})) {
    created.setAttribute(name, value);
  }
  created.append(...children);
  return created;
}

/**
 * Runs `task` with the button disabled and relabelled, so a second press cannot start it twice. A focused button
 * loses focus when disabled; it gets it back afterwards, so a keyboard user stays where they were.
 */
export async function whileBusy<T>(button: HTMLButtonElement, busyLabel: string, task: () => Promise<T>): Promise<T> {
  const label = button.textContent ?? '';
  const hadFocus = document.activeElement === button;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  button.textContent = busyLabel;
  try {
    return await task();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    if (hadFocus && button.isConnected && (document.activeElement === null || document.activeElement === document.body)) {
      button.focus();
    }
    // The task may have relabelled the button itself (Reveal → Hide); only undo our own label.
    if (button.textContent === busyLabel) {
      button.textContent = label;
    }
  }
}
