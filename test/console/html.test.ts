/** The html tagged template: everything interpolated is escaped unless explicitly safe. */
import { describe, expect, it } from 'vitest';
import { SafeHtml, escapeHtml, html, join, raw } from '../../src/console/html.js';

// Prettier reformats templates tagged `html`; where whitespace matters, the same function by
// another name keeps the literal as written.
const tag = html;

describe('html', () => {
  it('escapes every interpolated string and number', () => {
    const value = `<script>alert("x" & 'y')</script>`;
    expect(html`<p title="${value}">${value}</p>`.value).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;">' +
        '&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;</p>',
    );
    expect(html`<td>${42}</td>`.value).toBe('<td>42</td>');
  });

  it('keeps fragments made by html or raw, and nothing else', () => {
    const inner = html`<b>${'<i>'}</b>`;
    expect(html`<p>${inner}</p>`.value).toBe('<p><b>&lt;i&gt;</b></p>');
    expect(html`<p>${raw('<br />')}</p>`.value).toBe('<p><br /></p>');
    // Something that merely looks like a fragment is escaped.
    const lookalike = { value: '<script>', toString: () => '<script>' } as unknown as string;
    expect(html`${lookalike}`.value).toBe(escapeHtml('<script>'));
    expect(escapeHtml('<script>')).toBe('&lt;script&gt;');
    expect(raw('x')).toBeInstanceOf(SafeHtml);
  });

  it('renders nothing for null, undefined and booleans, and each item of arrays', () => {
    const show: boolean = [].length > 0;
    expect(html`<p>${null}${undefined}${show && html`<b>hidden</b>`}${true}</p>`.value).toBe(
      '<p></p>',
    );
    expect(tag`<ul>${['<a>', html`<li>ok</li>`, [1, ['<b>']]]}</ul>`.value).toBe(
      '<ul>&lt;a&gt;<li>ok</li>1&lt;b&gt;</ul>',
    );
    expect(join(['<a>', html`<b></b>`], raw(', ')).value).toBe('&lt;a&gt;, <b></b>');
  });
});
