/**
 * Keyboard use of a picture: Tab enters it once (one element holds tabindex 0), the arrow keys
 * move through its elements in reading order (top to bottom, left to right), Home and End jump
 * to the first and last, Enter or Space selects (opens the details), Escape clears.
 */
export interface PictureKeys {
  select(id: string): void;
  clear(): void;
}

function ordered(container: HTMLElement): SVGGElement[] {
  const els = [...container.querySelectorAll<SVGGElement>('g.el')];
  const pos = new Map(els.map((e) => [e, e.querySelector('rect')!.getBBox()] as const));
  return els.sort((a, b) => {
    const pa = pos.get(a)!;
    const pb = pos.get(b)!;
    return pa.y - pb.y || pa.x - pb.x;
  });
}

/** Gives the picture's roving tab stop to `id` (or the first element). */
export function rove(container: HTMLElement, id: string | null): void {
  const els = [...container.querySelectorAll<SVGGElement>('g.el')];
  const current = (id && els.find((e) => e.dataset.id === id)) || els[0];
  for (const e of els) e.setAttribute('tabindex', e === current ? '0' : '-1');
}

export function attachKeys(container: HTMLElement, keys: PictureKeys): void {
  container.addEventListener('keydown', (ev) => {
    const target = (ev.target as Element).closest<SVGGElement>('g.el');
    if (!target) return;
    const move = (to: SVGGElement | undefined) => {
      if (!to) return;
      ev.preventDefault();
      target.setAttribute('tabindex', '-1');
      to.setAttribute('tabindex', '0');
      to.focus();
      to.scrollIntoView({ block: 'nearest', inline: 'nearest' });
    };
    const els = ordered(container);
    const i = els.indexOf(target);
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowDown') move(els[i + 1]);
    else if (ev.key === 'ArrowLeft' || ev.key === 'ArrowUp') move(els[i - 1]);
    else if (ev.key === 'Home') move(els[0]);
    else if (ev.key === 'End') move(els[els.length - 1]);
    else if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      keys.select(target.dataset.id!);
    } else if (ev.key === 'Escape') keys.clear();
  });
  container.addEventListener('click', (ev) => {
    const target = (ev.target as Element).closest<SVGGElement>('g.el');
    if (!target) return;
    rove(container, target.dataset.id!);
    target.focus();
    keys.select(target.dataset.id!);
  });
}
