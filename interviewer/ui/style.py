"""The web app's look: a calm theme, a little CSS, and the page-level JavaScript."""

from __future__ import annotations

import gradio as gr

__all__ = ["CSS", "theme"]


def theme() -> gr.themes.Base:
    """A quiet slate-and-indigo theme with system fonts (no web-font download)."""
    return gr.themes.Soft(
        primary_hue="indigo",
        secondary_hue="slate",
        neutral_hue="slate",
        font=["system-ui", "Segoe UI", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "monospace"],
    ).set(block_radius="10px", button_large_radius="8px")


CSS = """
/* Full width up to 1280 px on every tab: without a width the page shrank to its content on the
   History tab (about 700 px) and stayed narrow when Resume switched back to the interview. */
.gradio-container { width: 100% !important; max-width: 1280px !important; margin: auto; }
#app-title h1 { font-size: 1.45rem; margin: 0.2rem 0 0; }
#app-title p { color: var(--body-text-color-subdued); margin: 0.1rem 0 0.6rem; }
#status-bar { padding: 0.5rem 0.8rem; border-radius: 8px;
  background: var(--background-fill-secondary); }
#status-bar p { margin: 0; }
#grading-indicator { min-height: 1.4rem; }
#grading-indicator .md p { color: var(--color-accent) !important; font-weight: 600; }
#grading-indicator .md p { margin: 0; display: flex; align-items: center; gap: 0.5rem; }
#grading-indicator .md p::before { content: ""; width: 0.9rem; height: 0.9rem; border-radius: 50%;
  border: 2px solid var(--color-accent); border-right-color: transparent;
  animation: interviewer-spin 0.8s linear infinite; }
@keyframes interviewer-spin { to { transform: rotate(360deg); } }
/* A failure told on the grading line (until the next step works): no spinner, plain text. */
#grading-indicator .md p:has(.problem)::before { display: none; }
#grading-indicator .md p:has(.problem) { color: var(--body-text-color) !important;
  font-weight: 400; }
/* Keyboard focus: the theme's ring on an unticked checkbox was too faint to see. A radio's
   ring goes round its whole option: on a selected one (accent background) it was invisible. */
input[type=checkbox]:focus-visible {
  outline: 3px solid var(--color-accent) !important; outline-offset: 2px; }
label:has(> input[type=radio]:focus-visible) {
  outline: 3px solid var(--color-accent) !important; outline-offset: 2px; }
#chat { border-radius: 10px; }
/* The chatbot's own trash button only blanks the page's copy of the conversation, which looks
   like deleting the interview; the stored session is untouched, so the button is hidden. */
#chat button[aria-label="Clear"] { display: none !important; }
.fb-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 0.8rem 1rem;
  background: var(--background-fill-primary); font-size: 0.92rem; }
.fb-card h4 { margin: 0.7rem 0 0.2rem; font-size: 0.85rem; text-transform: uppercase;
  letter-spacing: 0.04em; color: var(--body-text-color-subdued); }
.fb-card ul { margin: 0.1rem 0 0.2rem 1.1rem; padding: 0; }
.fb-card li { margin: 0.15rem 0; }
.fb-head { display: flex; justify-content: space-between; gap: 1rem; align-items: baseline; }
.fb-title { font-weight: 600; }
.fb-overall { white-space: nowrap; }
.fb-score { font-size: 1.15rem; color: var(--color-accent); }
.fb-criteria { width: 100%; border-collapse: collapse; margin-top: 0.5rem; }
.fb-criteria, .fb-criteria tr, .fb-criteria td { border: none !important; }
.fb-criteria td { padding: 0.15rem 0.3rem; background: transparent !important; }
.fb-bar { width: 45%; min-width: 5rem; }
/* The track shows the scale: on a phone a 1.2 of 5 was a lone dot and a 5.0 a short stub. */
.fb-track { display: block; border-radius: 4px; background: var(--border-color-primary); }
.fb-track span { display: block; height: 0.5rem; border-radius: 4px;
  background: var(--color-accent); }
.fb-crit-score { text-align: right; white-space: nowrap; color: var(--body-text-color-subdued); }
.fb-evidence { display: block; font-style: italic; color: var(--body-text-color-subdued);
  margin-left: 1.2rem; }
.fb-missed .fb-mark { color: #b45309; }
.fb-covered .fb-mark { color: #15803d; }
.fb-partly .fb-mark { color: #ca8a04; }
.fb-notice { background: #fffbeb; color: #78350f; border-radius: 6px; padding: 0.3rem 0.6rem;
  margin-top: 0.5rem; }
.fb-notice p { margin: 0.15rem 0; }
.fb-meta, .fb-muted { color: var(--body-text-color-subdued); font-size: 0.8rem;
  margin-top: 0.5rem; }
.fb-pending .fb-score { color: #b45309; }
.fb-answer { white-space: pre-wrap; }
.fb-excerpt { white-space: pre-wrap; margin: 0.3rem 0 0.5rem; padding-left: 0.7rem;
  border-left: 3px solid var(--border-color-primary); color: var(--body-text-color-subdued);
  font-size: 0.85rem; }
.fb-sources summary { cursor: pointer; }
/* A phone: the set-up options wrap two to a line instead of crushing their labels. */
@media (max-width: 640px) {
  #setup-options { flex-wrap: wrap !important; }
  #setup-options > .form { flex-wrap: wrap !important; min-width: 100% !important; }
  #setup-options > .form > * { min-width: 45% !important; flex: 1 1 45% !important; }
  #setup-options > button { min-width: 100% !important; }
  /* The four tabs fit on one line: at 390 px Report and Calibration went behind an unlabelled
     "..." menu, where a candidate looking for the report did not find it. */
  .tab-container button { padding: 0 6px !important; font-size: 0.85rem !important; }
}
/* A touch screen: checkboxes and radios were 16 px, the accordion headers 20 px tall and the
   microphone's clear button 18 px, under the 24 px a finger needs (WCAG 2.5.8). */
@media (pointer: coarse) {
  input[type=checkbox], input[type=radio] { width: 24px !important; height: 24px !important; }
  .label-wrap { min-height: 44px; }
  input[type=number], .reset-button, #mic button { min-height: 32px; min-width: 32px; }
}
/* A locked answer box (no interview, or it has ended) must not look editable: a draft left in
   it after End read as text one could still send. */
#answer textarea:disabled { opacity: 0.55; cursor: not-allowed; }
#answer-clock-text { font-size: 0.85rem; color: var(--body-text-color-subdued); }
#answer-clock-text.over { color: #b45309; font-weight: 600; }
#answer-length p { color: #b45309; font-size: 0.85rem; margin: 0; }
/* Empty, the length note and the clock (no time limit) still took 52 px with their gaps: at
   1280 x 900 the Send and Report buttons sat below the screen's edge. */
#answer-length:has(span.md:empty), #answer-clock:has(#answer-clock-text:empty) { display: none; }
.fb-why { margin-top: 0.3rem; }
.fb-rationales { margin: 0.2rem 0 0.2rem 0.4rem; }
.fb-rationales dt { font-weight: 600; margin-top: 0.3rem; }
.fb-rationales dd { margin: 0 0 0 0.6rem; color: var(--body-text-color-subdued); }
.history-cards .fb-card { margin-bottom: 0.8rem; }
footer { display: none !important; }
"""
