"""Checks run before any grader (and before any LLM call), as a wrapper grader.

:class:`GuardedGrader` wraps any :class:`~interviewer.grading.base.Grader`:

- ``empty`` (incl. whitespace-only), ``too_short``, ``gibberish``, ``copied_question`` and
  ``off_topic`` answers get overall 0 with the flag and a message, and the inner grader is
  never called.
- Injection attempts (text addressed to the grader, fake JSON grades, delimiter closing,
  score claims, pleading, role-play, in several languages, inside code blocks or base64) are
  **stripped** and the rest is graded, flagged ``injection_attempt``. We strip rather than
  "grade both and keep the min" because it costs one LLM call instead of two and a stripped
  span cannot help the grade by construction; the LLM prompt still delimits the whole answer
  as data, for what detection misses.
- Answers over ``max_answer_tokens`` are cut and flagged ``truncated``; a low speech
  recognition confidence is passed through as ``low_confidence_transcript``.

The detectors are hand-written regular expressions and word statistics: no library we know
ships a multilingual prompt-injection detector that runs offline.
"""

from __future__ import annotations

import base64
import binascii
import copy
import itertools
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import NamedTuple

import numpy as np

from interviewer.bank import Question
from interviewer.errors import ConfigError
from interviewer.grading.base import (
    CRITERIA,
    CriterionScore,
    Flag,
    Grade,
    Grader,
    GradeRequest,
    GraderInfo,
    KeyPointVerdict,
)
from interviewer.grading.language import foreign_language
from interviewer.grading.rubric import prompt_version
from interviewer.grading.scale import Reading
from interviewer.grading.similarity import sentence_ranges
from interviewer.grading.topics import BankTopics, topic_text
from interviewer.knowledge.embeddings import Embedder
from interviewer.knowledge.tokens import count_tokens, truncate_tokens
from interviewer.text import counted, shorten

__all__ = [
    "EXPLAINED",
    "GuardResult",
    "GuardedGrader",
    "MAX_ANSWER_TOKENS",
    "check_answer",
    "find_injections",
    "strip_injections",
]

# Part of the grade cache's key (GradingService.model_id): raise it whenever the guards would
# treat an answer differently, or grades cached before keep the old verdict (an answer once
# cut as a plea kept its flag after the pattern was mended).
GUARDS_VERSION = 3
MAX_ANSWER_TOKENS = 700  # ~500 words, a long spoken answer; beyond that we grade the start
LOW_TRANSCRIPT_CONFIDENCE = 0.6
# Words of the message the guards add for each flag they raise on a graded answer: the UI shows
# a flag's generic note only when the grade's message does not already explain it.
EXPLAINED: dict[str, str] = {
    "injection_attempt": "addressed to the grader",
    "truncated": "were graded",
    "low_confidence_transcript": "Speech recognition was unsure",
}
# Below this MiniLM cosine with the question's text, an answer sharing at most one word with it
# is off topic (an unrelated sentence scores ~0.04). On the development data's train splits,
# the answers flagged between 0.15 and 0.25 were credited by the human graders as often as not
# (0.25 rejected 25 credited answers, 0.15 rejects 7); a wrong 0 costs more than a low grade.
_OFF_TOPIC_COSINE = 0.15
_SCAN_CHARS = 40_000  # twice the longest answer the app accepts (session.MAX_ANSWER_CHARS)

_I = re.IGNORECASE
# Who grades. An ML answer names AIs, LLMs and judges in their own right ("the LLM will
# hallucinate", "the judge model prefers"), so those count only when told to grade.
_GRADER_ROLE = r"(grader|evaluator|examiner|assessor|marker|scorer|grading (?:system|model|ai))"
_AI = r"(ai|llm|assistant|chatgpt|gpt|language model|judge|reviewer)"
_GRADER = rf"({_GRADER_ROLE}|{_AI})"
# A grading move aimed at the answer: "give this answer", "accept it", "ignore ...".
_GRADING_ACT = (
    r"((give|award|assign|grade|score|rate|mark|accept|pass|treat|consider|count)\s+"
    r"(this|it|me|my|us|the (answer|response|submission|candidate))\b|ignore|disregard|overlook)"
)
_NEAR = r"\b[^.!?\n]{0,40}\b"  # within the same clause
# A score out of 5, 10 or 100; not "rho = 9/10" or "shrinks by a factor of 1/10"
_FRACTION = (
    r"(?<![\w=/.])(?<!=\s)(?<!factor of )(?<!about )[0-9]+(\.[0-9]+)?\s*/\s*(5|10|100)\b"
    r"(?!\s*[=*+\-/]|\.[0-9])"
)
_RUBRIC = (
    r"(rubric|marking scheme|mark scheme|answer key|grading (criteria|guidelines?|scheme|policy"
    r"|key|instructions|rules)|scoring (guide|guidelines?|policy|criteria|rubric|key|instructions))"
)
_AUTHORITY = (
    r"(instructor|teacher|professor|lecturer|interviewer|examiner|proctor|hiring (manager|team)"
    r"|recruiter|course staff|grading team|admin(istrator)?|moderator)"
)
# Each detector is a list of alternatives (joined with "|"), kept short enough to read.
_DETECTORS: dict[str, list[str]] = {
    # English: instructions to the grader
    "ignore instructions": [
        r"\b(ignore|disregard|forget|override|bypass|skip)"
        + _NEAR
        + r"(instructions?|prompts?|rules?|guidelines?|rubric|everything)\b",
        # "ignore all previous", not "skip connections bypass the previous layer"
        r"\b(ignore|disregard|forget)\s+(all\s+|any\s+)?(the\s+)?(above|previous|prior|preceding)"
        r"(\s+(text|messages?|context|input|directions|commands|guidance))?\s*($|[.,;:!?)]|and\b)",
    ],
    "addresses grader": [
        r"\b(dear|hey|hi|hello|attention|(note|message|memo|instructions?|request) (to|for))\s+"
        rf"(the\s+|my\s+)?{_GRADER}\b(?!\s+(?:learns?|is trained|outputs?))",
        # "To the grader:", not "we feed the prompt to the LLM"
        rf"(^|[.!?\n]\s*)to\s+(the\s+|my\s+)?{_GRADER}\s*[:,]",
        r"\b(dear|hey|hi|hello)\s+(the\s+|my\s+)?(model|bot|machine|system|reader|robot|computer)\b",
        r"\bwhoever\s+(grades|evaluates|scores|marks|reviews|assesses|reads|checks)\b",
    ],
    "grader must": [
        rf"\b(?<!acts )(?<!act )(?<!serves )(?<!works )(?<!functions )as (the|an?|my)\s+"
        rf"(\w+\s+)?{_GRADER_ROLE}\b",
        rf"\byou are (the|an?|my)\s+(\w+\s+)?{_GRADER}\b",
        rf"\b{_GRADER_ROLE}\s+(should|must|will|would|shall|has to|needs to"
        r"|is (instructed|required) to)\b",
        rf"\b{_AI}\s+(should|must|will|would|shall|has to|needs to|is (instructed|required) to)"
        rf"\s+(now\s+|simply\s+|just\s+|then\s+)?{_GRADING_ACT}",
        r"\boverall\s*(score\s*)?(of|=|:|is)?\s*\"?5\b",
    ],
    "you must give": [
        r"\byou\s+(must|should|shall|will|have to|need to|are to|are (required|instructed) to)\s+"
        r"(now\s+)?(give|award|assign|grade|score|rate|mark|output|return|respond|reply|print"
        r"|accept|pass)\b",
    ],
    "give full score": [
        r"\b(give|award|assign|grant)s?\s+(me|this|this answer|the answer|my answer|it|us)\b"
        r"[^.!?\n]{0,30}\b(5|five|full|max|maximum|perfect|top|highest|100|10)\b"
        # "give it 5 points", not "give it ... 10 milliliters"
        r"(?!\s+(?!points?|marks?|stars?|scores?|grades?|ratings?|credit|out of)[a-z])",
    ],
    "full marks": [
        r"\b(full|maximum|max|perfect|top|highest|best)\s+(marks?|scores?|grades?|points|ratings?)\b",
        r"\bfull credit\b|\b(on|for|in)\s+(each|every|all)\s+(criterion|criteria)\b",
    ],
    "verdict request": [
        r"\b(mark|label|treat|consider|count|rate|grade|score)\s+(all|every|each|them|this|these)\b"
        r"[^.!?\n]{0,40}\b(covered|perfect|excellent|full|addressed|satisfied|met)\b",
        r"\bkey points?\s+(are|is|were)\s+(all\s+)?(covered|present|addressed)\b",
        r"\b(when|while|as|before) you (grade|score|mark|evaluate|assess|review)\s+"
        r"(this|these|that|my|me|the (answer|response|submission|candidate))\b",
        r"\b(grade|score|mark|rating)\s+(for|of)\s+(this|my|the)\s+(answer|response|submission)\b",
        r"\b(this|my) (answer|response|submission)\s+(gets|earns|is worth|should (get|receive))\b",
        r"\b(the\s+)?rubric\s+(says|states|requires|allows|gives|has changed)\b",
        # at the start of a sentence, a line, a comment or a bracket
        r"(^|[.!?(\[]\s*|\n\s*|<!--\s*|#\s*|//\s*|/\*\s*)"
        r"(assistant|grader|evaluator|examiner)\s*[,:]",  # not "GPT: a decoder-only ..."
        r"\b(treat|consider|count|mark|grade|rate|score|regard)\s+(this|the|my)\s+"
        r"(answer|response|submission)\s+as\b",
    ],
    "grade me": [r"\b(grade|score|mark|rate)\s+(me|this answer|my answer)\b"],
    "score claim": [
        # "Score: 5/5", "5/5!", "a 10/10 answer"; not "precision is 4/5" or "a 1/5 decay"
        # (not "the gradient is scaled by 1/10", "each worker gets 1/5 of the data")
        r"\b(scor(e|es|ed|ing)|grad(e|es|ed|ing)|marks?|marked|rating|rated|worth|deserves?"
        r"|earns?|(?<!learning )rate (this|it|me)|this answer|my answer)\b[^.!?\n]{0,20}"
        + _FRACTION,
        r"(^|[.!?\n(\[]\s*)" + _FRACTION + r"\s*([.!?)\]]|$)",
        _FRACTION + r"\s+(answer|response|score|grade|marks?|points|rating)\b",
        r"\bout of (5|five|10|ten)\b(?!\s+(?!points?|marks?|stars?)[a-z])",
        r"\b(score|grade|mark|rating)\s*(=|:|\||is|should be|must be|will be)\s*\"?"
        r"(5|five|10|100)\b",
    ],
    "deserves": [
        r"\bdeserves?\s+(a|an|the)?\s*(5|five|perfect|full|top|high|higher|maximum|max|passing|pass)\b",
        r"\b(this|my) answer is (perfect|flawless|excellent|fully correct|complete and correct)\b",
    ],
    "reply format": [
        # told to reply, not "the server will respond with a DHCP offer"
        r"(^\s*|[.!?:\n]\s*|\byou\s+(must|should|will|shall|have to)\s+|\bplease\s+|\bnow\s+)"
        r"(respond|reply)\s+(only\s+)?with\b",
        r"\boutput\s+(only|exactly|the following)\b",
    ],
    "fake json grade": [
        r"[\"'‘’“”](overall|score|scores|grade|verdict|criteria|correctness|coverage"
        r"|depth|communication)[\"'‘’“”]\s*:",
    ],
    "role play": [
        r"\bpretend (to be|you are|that you)\b|\bact as if\b",
        rf"\bact as (the|an?|my) (\w+ )?({_GRADER}|professor|teacher|instructor|examiner|tutor)\b",
        r"(^|[.!?:]\s*)you are now\b|\bfrom now on,? you\b",
        r"\b(role-?play|developer mode|jailbreak|DAN|simulate (a|an) )\b|\blet'?s play a game\b",
        r"\byou are (the|an?|my) (\w+ )?(interviewer|professor|teacher|instructor|examiner)\b",
    ],
    "pleading": [
        r"\b(please(?! (note|see|refer|recall))|pls|plz|i beg( you)?|begging)\b[^.!?\n]{0,60}"
        r"\b(score|grade|marks?|pass|points?|generous|lenient|5|five|full)\b",
        r"\bbe (generous|lenient|kind)\b|\bi (really )?need (this|the) job\b|\bhave mercy\b",
        r"\b(appreciate|hope for|hoping for|would like|wish for|grateful for)\b[^.!?\n]{0,20}"
        r"\b(high|higher|good|full|perfect|top|great|passing|generous)\s+"
        r"(scores?|grades?|marks?|ratings?|points)\b",
        # Family and career only with what a plea asks or stakes on them: "I cook pasta with
        # my family" or "in my career I trained GANs" was removed from answers as a plea.
        r"\bmy (family|kids|children|career|visa|future)\b[^.!?\n]{0,60}"
        r"\b(depends?|depending|counting on|relies|rely|on the line|at stake|riding on|mercy"
        r"|hire me|hired)\b|\bmy (grandmother|grandma)\b|\b(will|would) be fired\b",
        r"\b(for|feed|support|sake of|think of|think about) my (family|kids|children)\b"
        r"[^.!?\n]{0,40}\b(pass|score|grade|marks?|points|hire|job)\b",
        r"\b(round|bump|push)\s+(my|the|this)\s+(grade|score|mark)s?\s+up\b"
        r"|\boverlook (the|any|my) (gaps|mistakes|errors|omissions)\b",
    ],
    "system impersonation": [
        r"(^|\n)\s*(system|assistant|developer)\s*:",
        r"\b(system prompt|system message|developer message)\b",
        r"\b(new instructions?|updated instructions?)\b",
        r"\b(admin(istrator)? override|system override|priority instruction)\b",
        r"\[\s*(system|admin\w*|moderator|grader|instructor|grading)\b[^\]\n]{0,30}\]",
        r"\b(system|grading system|platform) (notice|alert|update|announcement)\b",
    ],
    "chat markup": [
        r"\[/?(INST|SYS)\]|<\|[a-z_]+\|>|<<\s*/?SYS\s*>>",
        r"#{2,}\s*(system|instruction|response|assistant)\b",
        r"(?-i:\bEND OF (ANSWER|INPUT|DATA|CANDIDATE)\b)",  # capitals: not "the end of data"
    ],
    "closing tag": [
        r"<\s*/?\s*(system|user|assistant|instructions?|prompt|data|answer|candidate[_ -]?answer"
        r"|input|context)\b[^>]*>",
    ],
    "decode hint": [
        r"\b(decode|base64|rot13)" + _NEAR + r"(and|then)?\s*(follow|execute|obey|do)\b"
    ],
    "rubric update": [
        rf"\b{_RUBRIC}\b" + _NEAR + r"(updated|changed|revised|amended|replaced|overridden"
        r"|superseded|modified|no longer|now (says|states|gives|awards|requires|allows|reads))\b",
        rf"\b(new|updated|revised|amended|latest|modified|corrected|changed)\s+"
        rf"(version of the\s+)?{_RUBRIC}\b",
        rf"\b(update|change|revision|amendment|correction)s?\s+(to|of|in)\s+(the\s+)?{_RUBRIC}\b",
        r"\b(instructions|guidelines)\s+(have|has)\s+(been\s+)?(updated|changed|revised|replaced)\b",
    ],
    "authority claim": [
        rf"\b{_AUTHORITY}('s)?\s+(override|note|update|instruction|decision|approval|exception)\b",
        r"\b(override|update|message|note|memo|reminder|notice|instructions?|exception|approval)"
        r"\s+(from|by)\s+"
        rf"(the\s+|your\s+|my\s+)?{_AUTHORITY}\b",
        rf"\b{_AUTHORITY}\s+(has\s+|have\s+)?(overrid\w*|overrode|approved|authori[sz]ed"
        r"|instructed|pre-?approved|waived)\b",
        rf"\b(on behalf of|authori[sz]ed by|approved by)\s+(the\s+)?{_AUTHORITY}\b",
    ],
    "cjk": [
        r"(忽略|无视|忽视|不要理会|不理会).{0,20}(指令|指示|说明|规则|提示|要求)",
        r"满分|最高分|(给|打).{0,8}(5|五)分|评分员|评分者|评分系统|評分",
        r"無視|満点|採点者|무시|만점|채점자",
        # "give a high score"; not 高分辨率 (high resolution) or 高分子 (polymer)
        r"(打|给|給).{0,3}高分(?!辨|子)|(请|請).{0,12}(高分|满分|滿分)(?!辨|子)|高得点|高い点数",
        r"높은\s*점수|최고\s*점수|점수를\s*(주|줘)",
        r"(评分|評分|采分|採点|채점)\s*(标准|標準|基準|규칙|기준).{0,12}(更新|修改|变更|變更|改|変更|변경|업데이트)",
        r"(新的?|更新后的|最新的?)\s*(评分|評分|採点)\s*(标准|標準|基準)",
    ],
    "ru": [
        r"(игнорир|забудь|не обращай|проигнорир)\w*.{0,40}(инструкц|правил|указани)",
        r"(поставь|дай|оцени|поставьте|дайте)\w*.{0,40}(5|пять|максимальн|высш|отлично)",
        r"(оценщик|проверяющ|экзаменатор)|пят[её]рк",
        r"(критери|рубрик|шкал\w* оцен|инструкци)\w*.{0,40}(обновл|изменен|изменил|заменен)",
        r"(нов|обновл[её]нн)\w*\s+(критери|рубрик|шкал|инструкци)",
    ],
    "ar-hi": [r"تجاهل|الدرجة الكاملة|अनदेखा|पूरे अंक"],
}


class _Words(NamedTuple):
    """One language's words for the moves an injection makes, as regex alternations.

    Written with their accents for readability; patterns and text are compared without
    diacritics (``_plain``), so "diem toi da" matches "điểm tối đa". ``give`` words pair with
    ``much`` and ``deserve`` words, so none may be an English word (``da``, ``ge``, ``add``);
    ``top`` and ``grader`` stand alone, so they must never occur in an English answer.
    """

    ignore: str  # ignore / forget / disregard
    orders: str  # instructions / rules
    give: str  # give / award / rate (imperative)
    much: str  # what is given: numbers, "maximum", "full"
    top: str  # a maximum-score phrase
    grader: str  # the grader, addressed
    rubric: str  # rubric / grading criteria
    changed: str  # updated / changed / new
    deserve: str  # deserves


# Answers are in English: text in another language that asks for a score is addressed to the
# grader. One row per language; the patterns below are built from every row the same way.
_LANGUAGES: dict[str, _Words] = {
    "fr": _Words(
        ignore=r"ignore[zr]?|oublie[zr]?|ne tenez pas compte|ne tiens pas compte"
        r"|faites abstraction",
        orders=r"instructions?|consignes?|règles|directives",
        give=r"donne[zr]?|attribue[zr]?|mettez|mets|accorde[zr]?",
        much=r"5|20|cinq|vingt|maximale|parfaite|maximum|tous les points",
        top=r"note (maximale|parfaite)|(meilleure|bonne) note|20/20|score (maximal|parfait)"
        r"|la totalité des points",
        grader=r"correcteur\w*|correctrice\w*|évaluateur\w*|évaluatrice\w*|examinateur\w*",
        rubric=r"barème\w*|grilles? (d'|de )(évaluation|notation|correction)"
        r"|critères (d'|de )(évaluation|notation|correction)",
        changed=r"mis(es)? à jour|mise à jour|modifiées|ont été modifiés|ont changé|nouvelles?"
        r"|nouveaux?|nouvel|révisées?",
        deserve=r"mérite|méritent",
    ),
    "de": _Words(
        ignore=r"ignorier\w*|vergiss|vergessen sie|missachte\w*|übergehe\w*",
        orders=r"anweisung\w*|instruktion\w*|regeln?|vorgaben?|befehl\w*",
        give=r"gib|gebt|geben sie|vergib|vergeben sie|bewerte\w*",
        much=r"5|fünf|volle\w*|höchst\w*|maximal\w*|bestnote|punkte",
        top=r"volle punktzahl|höchstpunktzahl|bestnote|höchstnote|maximale punktzahl|volle punkte",
        grader=r"bewerter\w*|prüfer\w*|korrektor\w*|gutachter\w*",
        rubric=r"bewertungs(schema|raster|kriterien|bogen|maßstab|richtlinien)\w*|punkteschema"
        r"|erwartungshorizont",
        changed=r"aktualisiert\w*|geändert\w*|neue?[rsnm]?|überarbeitet\w*|angepasst\w*",
        deserve=r"verdient|verdienen",
    ),
    "es": _Words(
        ignore=r"ignora\w*|olvida\w*|omite|no tengas en cuenta|haz caso omiso",
        orders=r"instrucciones|reglas|indicaciones|órdenes",
        give=r"dame|otorga\w*|asigna\w*|pon|ponme|califica\w*|puntúa\w*",
        much=r"5|10|cinco|diez|máxima|perfecta|completa|máximo",
        top=r"(puntuación|nota|calificación|puntaje) (máxima|máximo|perfecta|perfecto|más alta)",
        grader=r"evaluador\w*|calificador\w*|examinador\w*",
        rubric=r"rúbrica|criterios de (evaluación|calificación|corrección)|baremo",
        changed=r"actualizad\w*|cambiad\w*|modificad\w*|nuev[oa]s?",
        deserve=r"merece|merecen",
    ),
    "it": _Words(
        ignore=r"ignora\w*|dimentica\w*|trascura\w*",
        orders=r"istruzioni|regole|indicazioni",
        give=r"dai|dammi|assegna\w*|metti\w*|attribuisci",
        much=r"5|10|30|cinque|dieci|trenta|massimo|pieni|lode",
        top=r"(punteggio|voto) (massimo|pieno|perfetto)|pieni voti|(30|trenta) e lode",
        grader=r"valutatore\w*|valutatrice\w*|correttore\w*|esaminatore\w*",
        rubric=r"griglia di (valutazione|correzione)|criteri di (valutazione|correzione)",
        changed=r"aggiornat\w*|cambiat\w*|modificat\w*|nuov[aeio]",
        deserve=r"merita|meritano",
    ),
    "pt": _Words(
        ignore=r"ignore|ignora|esqueça|desconsidere|não considere",
        orders=r"instruções|regras|orientações|comandos",
        give=r"me dê|dê-me|dá-me|atribua|coloque|conceda",
        much=r"5|10|cinco|dez|máxima|perfeita|máximo",
        top=r"nota (máxima|perfeita|dez)|pontuação (máxima|perfeita|total|completa)",
        grader=r"avaliador\w*|corretor\w*|examinador\w*",
        rubric=r"rubrica|critérios de (avaliação|correção)|gabarito",
        changed=r"atualizad\w*|alterad\w*|mudad\w*|nov[ao]s?",
        deserve=r"merece|merecem",
    ),
    "nl": _Words(
        ignore=r"negeer|negeren|vergeet|vergeten|ignoreer|ignoreren|houd geen rekening met",
        orders=r"instructies?|aanwijzingen|opdrachten?|regels|richtlijnen",
        give=r"geef|geeft|geven|toekennen|beoordeel|beoordelen|waardeer",
        much=r"5|10|vijf|tien|maximale?|hoogste|volle(dige)?|perfecte?|punten",
        top=r"(maximale?|hoogste|volle(dige)?|perfecte?) (score|punten|aantal punten|cijfer"
        r"|beoordeling)|alle punten",
        grader=r"beoordelaars?|examinator(en)?|nakijkers?",
        rubric=r"rubriek|beoordelingscriteria|beoordelingsschema|beoordelingsmodel|nakijkmodel"
        r"|normering|antwoordmodel",
        changed=r"bijgewerkt|gewijzigd|veranderd|aangepast|herzien|nieuwe?|geüpdatet",
        deserve=r"verdient|verdienen",
    ),
    "pl": _Words(
        ignore=r"zignoruj\w*|ignoruj\w*|zapomnij\w*|pomiń|pomijaj|nie zwracaj uwagi na"
        r"|nie bierz pod uwagę",
        orders=r"instrukcj\w*|polece[nń]\w*|zasad\w*|reguł\w*|wytyczn\w*",
        give=r"daj|dajcie|przyznaj\w*|wystaw\w*|postaw\w*|oceń|oceńcie",
        much=r"5|6|10|100|pięć|piątk\w*|szóstk\w*|maksym\w*|najwyższ\w*|pełn\w*|punkt\w*",
        top=r"maksymaln\w* (liczb\w* punktów|ocen\w*|wynik\w*|punktacj\w*|not\w*)"
        r"|najwyższ\w* (ocen\w*|not\w*|wynik\w*)|pełn\w* (liczb\w* punktów|punktacj\w*)"
        r"|celując\w*|na piątkę|na szóstkę",
        grader=r"egzaminator\w*|oceniając\w*|sprawdzając\w*|recenzen\w*|korektor\w*",
        rubric=r"kryteri\w* ocen\w*|klucz\w* (odpowiedzi|oceniania)|schemat\w* oceniania|rubryk\w*"
        r"|punktacj\w*",
        changed=r"zaktualizowa\w*|zmienion\w*|zmieni\w*|nowe|nowa|nowy|nowych|nowej",
        deserve=r"zasługuj\w*",
    ),
    "vi": _Words(
        ignore=r"bỏ qua|phớt lờ|lờ đi|quên( đi)?|không (cần )?(làm theo|tuân theo|tuân thủ)"
        r"|đừng (làm theo|tuân theo)",
        orders=r"hướng dẫn|chỉ dẫn|chỉ thị|mệnh lệnh|lệnh|quy tắc|quy định|yêu cầu",
        give=r"cho|chấm|trao|cộng",
        much=r"điểm|5|10|năm|mười|tối đa|tuyệt đối|cao nhất",
        top=r"điểm (số )?(tối đa|tuyệt đối|cao nhất|mười|10)|(đủ|tròn|trọn) điểm",
        grader=r"người chấm( điểm| bài| thi)?|giám khảo|người đánh giá|hệ thống chấm( điểm)?",
        rubric=r"thang điểm|tiêu chí (chấm|đánh giá)|barem|đáp án|hướng dẫn chấm",
        changed=r"cập nhật|thay đổi|mới|sửa đổi|điều chỉnh",
        deserve=r"xứng đáng|đáng được",
    ),
    "tr": _Words(
        ignore=r"yok say\w*|görmezden gel\w*|dikkate alma\w*|unut\w*|önemseme\w*",
        orders=r"talimat\w*|yönerge\w*|kural\w*|komut\w*|direktif\w*",
        give=r"ver|verin|veriniz|puanla\w*",  # no digits in `much`: "ver 5" is a version
        much=r"tam|en yüksek|maksimum|beş|puan\w*",
        top=r"tam puan\w*|en yüksek (puan|not)\w*|maksimum puan\w*|tam not\w*",
        grader=r"değerlendirici\w*|notlandırıcı\w*|puanlayıcı\w*|sınav görevlisi",
        rubric=r"değerlendirme (ölçüt|kriter)\w*|puanlama (anahtar|kriter|ölçüt|yönerge)\w*"
        r"|cevap anahtar\w*",
        changed=r"güncellen\w*|değiştiril\w*|değişti\w*|yeni",
        deserve=r"hak ed\w*",
    ),
    "id": _Words(
        ignore=r"abaikan|lupakan|jangan (ikuti|hiraukan|pedulikan)",
        orders=r"instruksi|petunjuk|perintah|aturan|arahan",
        give=r"berikan|beri|kasih|kasihlah|nilailah",
        much=r"sempurna|maksimal|maksimum|penuh|tertinggi|lima|sepuluh|seratus|5|10|100",
        top=r"(nilai|skor|poin) (sempurna|maksimal|maksimum|penuh|tertinggi)|nilai 100",
        grader=r"penilai|pemeriksa|penguji",
        rubric=r"kriteria penilaian|pedoman penilaian|kunci jawaban",
        changed=r"diperbarui|diperbaharui|diubah|berubah|baru|direvisi",
        deserve=r"layak (mendapat\w*|diberi)|pantas (mendapat\w*|diberi)",
    ),
    "sv": _Words(
        ignore=r"ignorera|glöm|bortse från|strunta i|bry dig inte om",
        orders=r"instruktion\w*|anvisning\w*|regler\w*|direktiv\w*",
        give=r"ge (mig|svaret|detta|det här|denna)|sätt|betygsätt|tilldela",
        much=r"full\w*|högsta|max\w*|fem|tio|5|10|toppbetyg|poäng",
        top=r"full poäng|fullt betyg|högsta (betyg|poäng)\w*|max(imal)? poäng|toppbetyg",
        grader=r"bedömare\w*|rättare\w*|examinator\w*|granskare\w*",
        rubric=r"bedömningskriteri\w*|bedömningsmall\w*|bedömningsmatris\w*|betygskriteri\w*"
        r"|rättningsmall\w*",
        changed=r"uppdater\w*|ändrad\w*|ändrats|ny|nya|nytt|reviderad\w*",
        deserve=r"förtjänar",
    ),
    "cs": _Words(
        ignore=r"ignoruj\w*|zapomeň\w*|nevšímej\w*|přehlédni\w*|neřiď\w* se",
        orders=r"pokyn\w*|instrukc\w*|pravid\w*|zadání|příkaz\w*",
        give=r"dej|dejte|uděl\w*|přiděl\w*|ohodnoť\w*|oznámkuj\w*",
        much=r"plný\w*|plné|maximální\w*|nejvyšší\w*|jedničk\w*|pět|deset|bod\w*|5|10|100",
        top=r"pln\w* (počet|počtu) bodů|maximální\w* (počet |počtu )?bod\w*"
        r"|nejvyšší\w* (známk\w*|hodnocení|počet bodů)|plné hodnocení|jedničk\w*",
        grader=r"hodnotitel\w*|examinátor\w*|zkoušející\w*|opravující\w*",
        rubric=r"hodnotící\w* kritéri\w*|kritéri\w* hodnocení|bodování|hodnotící\w* schém\w*",
        changed=r"aktualizován\w*|aktualizovan\w*|změněn\w*|změnil\w*|nové|nová|nový|nových",
        deserve=r"zaslouží|zasluhuje",
    ),
    "ro": _Words(
        ignore=r"ignoră|ignorați|uită|uitați|nu ține cont|nu țineți cont|nu lua în seamă",
        orders=r"instrucțiuni\w*|regulile|regulilor|reguli|indicați\w*|cerinț\w*",
        give=r"acordă|acordați|dă-mi|dați-mi|pune-mi|puneți-mi|notează|notați",
        much=r"nota|notă|punctaj\w*|maxim\w*|zece|cinci|10|5|100",
        top=r"nota maximă|notă maximă|nota 10|punctaj(ul)? (maxim|complet|total)|toate punctele",
        grader=r"evaluatorul\w*|evaluatorule|examinatorul\w*|corectorul\w*",
        rubric=r"barem\w*|criteriil?e? de (evaluare|notare)|grila de (evaluare|notare|corectare)",
        changed=r"actualizat\w*|modificat\w*|schimbat\w*|noi|noua|nou",
        deserve=r"merită|meritați",
    ),
    "hu": _Words(
        ignore=r"hagyd figyelmen kívül|hagyja figyelmen kívül|figyelmen kívül|felejtsd el"
        r"|felejtse el|ne törődj\w*|ne foglalkozz\w*",
        orders=r"utasítás\w*|szabály\w*|instrukció\w*|előírás\w*|parancs\w*",
        give=r"adj|adjon|adjál|add meg|értékeld|értékelje|pontozd|pontozza",
        much=r"maximális|teljes|ötös\w*|öt|tíz|pont\w*|5|10|100",
        top=r"(maximális|teljes|legmagasabb) pont\w*|max(imum)? pont\w*|legjobb jegy\w*|ötös\w*"
        r"|jeles\w*",
        grader=r"értékelő\w*|vizsgáztató\w*|javító\w*|bíráló\w*|pontozó\w*",
        rubric=r"értékelési (szempont|kritérium|útmutató|rendszer)\w*"
        r"|pontozási (útmutató|rendszer|kulcs)\w*|javítókulcs\w*",
        changed=r"frissít\w*|módosít\w*|megváltoz\w*|új\w*",
        deserve=r"megérdemel\w*|megérdemli",
    ),
    "no-da": _Words(
        ignore=r"ignorer|glem|se bort fra|overse",
        orders=r"instruks\w*|instruktion\w*|regler\w*|anvisning\w*",
        give=r"gi (meg|svaret|dette)|giv|tildel",
        much=r"full\w*|høyeste|højeste|maks\w*|fem|ti|poeng|point",
        top=r"full pott|fulle? poeng|fuldt point|(høyeste|højeste) (karakter|poeng|point)"
        r"|toppkarakter|topkarakter|maks(imal)? (poeng|point)",
        grader=r"bedømmer(en)?|vurdereren|eksaminator\w*",
        rubric=r"vurderingskriteri\w*|bedømmelseskriteri\w*|retteveiledning\w*"
        r"|rettevejledning\w*",
        changed=r"oppdatert\w*|opdateret|endret|ændret|ny|nye|nytt",
        deserve=r"fortjener",
    ),
    "fi": _Words(
        ignore=r"ohita|unohda|älä välitä|jätä huomiotta",
        orders=r"ohje\w*|säänn\w*|sääntö\w*|käsky\w*",
        give=r"anna|antakaa|arvioi",  # no digits in `much`: "Anna" is also a name
        much=r"täyde\w*|täysi\w*|maksimi\w*|korkein\w*|viisi|kymmenen|pistee\w*",
        top=r"täydet pisteet|maksimipistee\w*|korkein (arvosana|pistemäärä)|kiitettävä\w*",
        grader=r"arvioija\w*|tarkastaja\w*|arvostelija\w*",
        rubric=r"arviointikriteeri\w*|arvosteluperustee\w*|pisteytysohje\w*",
        changed=r"päivitett\w*|muutettu|muuttunut|uusi|uudet",
        deserve=r"ansaitsee",
    ),
    "hr-sr-bs": _Words(
        ignore=r"zanemari\w*|ignoriraj\w*|zaboravi\w*",
        orders=r"upute|uputa|pravila|instrukcij\w*|naredb\w*",
        give=r"daj|dajte|dodijeli\w*",
        much=r"maksimal\w*|najviš\w*|sve bodove|pet|deset|bod\w*|5|10",
        top=r"maksimal\w* (broj )?bodova|sve bodove|najviš\w* ocjen\w*|petic\w*",
        grader=r"ocjenjivač\w*|ispitivač\w*",
        rubric=r"kriterij\w* ocjenjivanja|bodovn\w* (ljestvic|shem)\w*",
        changed=r"ažurira\w*|promijenjen\w*|izmijenjen\w*|nova|novi|novo",
        deserve=r"zaslužuje",
    ),
    "el": _Words(
        ignore=r"αγνόησε|αγνοήστε|ξέχασε|ξεχάστε",
        orders=r"οδηγίες|οδηγιών|κανόνες|κανόνων|εντολές",
        give=r"δώσε|δώστε|βάλε|βάλτε",
        much=r"άριστα|μέγιστ\w*|πλήρ\w*|βαθμ\w*|5|10|20",
        top=r"άριστα|μέγιστ\w* βαθμ\w*|πλήρη βαθμολογία|τέλεια βαθμολογία",
        grader=r"βαθμολογητ\w*|αξιολογητ\w*|εξεταστ\w*",
        rubric=r"κριτήρια (βαθμολόγησης|αξιολόγησης)|ρουμπρίκα",
        changed=r"ενημερώθηκ\w*|άλλαξ\w*|αλλάχτηκ\w*|νέ\w*|καινούρι\w*",
        deserve=r"αξίζει",
    ),
    "uk": _Words(
        ignore=r"ігноруй\w*|проігноруй\w*|забудь\w*|не зважай\w*",
        orders=r"інструкці\w*|правил\w*|вказівк\w*|вказівок",
        give=r"постав\w*|дай|дайте|оціни\w*",
        much=r"максимальн\w*|найвищ\w*|повн\w*|п'ять|бал\w*|5|10|12",
        top=r"максимальн\w* (бал\w*|оцінк\w*)|найвищ\w* (бал\w*|оцінк\w*)|п'ятірк\w*",
        grader=r"оцінювач\w*|екзаменатор\w*|перевіряюч\w*",
        rubric=r"критері\w* оцінювання|шкал\w* оцінювання",
        changed=r"оновлен\w*|змінен\w*|нов\w*",
        deserve=r"заслуговує",
    ),
}
# Letters that Unicode does not decompose into a base letter and a mark.
_UNDECOMPOSED = str.maketrans(
    dict(zip("łŁđĐıøØæœß", ["l", "L", "d", "D", "i", "o", "O", "ae", "oe", "ss"], strict=True))
)


def _plain(text: str) -> str:
    """``text`` without diacritics: "điểm tối đa" -> "diem toi da", "Łódź" -> "Lodz"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(
        _UNDECOMPOSED
    )


def _language_alternatives(words: _Words) -> list[str]:
    asks = f"({words.much}|{words.top})\\b"
    return [
        rf"\b({words.ignore})" + _NEAR + rf"({words.orders})\b",
        rf"\b({words.give})" + _NEAR + asks,
        rf"\b({words.much}|{words.top})" + _NEAR + rf"({words.give})\b",  # verb-final word order
        rf"\b({words.orders})" + _NEAR + rf"({words.ignore})\b",
        rf"\b({words.deserve})" + _NEAR + asks,
        rf"\b({words.top}|{words.grader})\b",
        rf"\b({words.rubric}|{words.orders})" + _NEAR + rf"({words.changed})\b",
        rf"\b({words.changed})" + _NEAR + rf"({words.rubric}|{words.orders})\b",
    ]


def _compile(alternatives: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{alt})" for alt in alternatives), _I | re.DOTALL)


_INJECTION_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (name, _compile(alts)) for name, alts in _DETECTORS.items()
]
# Matched against the text without diacritics (_plain), as their patterns are.
_LANGUAGE_PATTERNS: dict[str, re.Pattern[str]] = {
    language: _compile([_plain(alt) for alt in _language_alternatives(words)])
    for language, words in _LANGUAGES.items()
}


def _split_alternatives(pattern: str) -> list[str]:
    """The top-level branches of ``a|b(c|d)|e``."""
    branches, depth, start, escaped = [], 0, 0, False
    for i, ch in enumerate(pattern):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            branches.append(pattern[start:i])
            start = i + 1
    return [*branches, pattern[start:]]


def _word_starts(pattern: str) -> set[str]:
    """Literal starts of the words a vocabulary alternation can match ("" = unknown).

    Handles what the rows use (letters, groups, ``?``, ``*``, ``\\w``); anything else ends a
    start early, which is safe: a shorter start only lets more text through the gate.
    """
    starts: set[str] = set()
    for branch in _split_alternatives(pattern):
        if branch.startswith("("):
            end = next(
                i
                for i, depth in enumerate(
                    itertools.accumulate({"(": 1, ")": -1}.get(c, 0) for c in branch)
                )
                if depth == 0
            )
            optional = branch[end + 1 : end + 2] in ("?", "*", "{")
            starts |= {""} if optional else _word_starts(branch[1:end].removeprefix("?:"))
            continue
        letters = re.match(r"\w*", branch)
        word = letters.group(0) if letters else ""
        if branch[len(word) : len(word) + 1] in ("?", "*", "{"):
            word = word[:-1]  # "nieuwe?": the last letter is optional
        starts.add(word.casefold())
    return starts


def _language_gate() -> tuple[dict[str, set[str]], list[int], set[str]]:
    """Which languages a word start can belong to, the start lengths, and the ungated rows.

    Every pattern of a row contains, at a word boundary, a word of one of these slots (see
    ``_language_alternatives``), so a sentence with no such word start cannot match the row.
    """
    by_start: dict[str, set[str]] = {}
    always: set[str] = set()
    for language, words in _LANGUAGES.items():
        slots = (words.ignore, words.give, words.deserve, words.top, words.grader, words.changed)
        for start in set().union(*(_word_starts(_plain(slot)) for slot in slots)):
            if start:
                by_start.setdefault(start, set()).add(language)
            else:
                always.add(language)
    return by_start, sorted({len(start) for start in by_start}), always


_GATE_STARTS, _GATE_LENGTHS, _UNGATED = _language_gate()
_TOKEN = re.compile(r"\w+")


def _candidate_languages(plain: str) -> set[str]:
    """The rows worth matching against ``plain``: a set lookup per word, not a regex per row."""
    languages = set(_UNGATED)
    for token in {t.casefold() for t in _TOKEN.findall(plain)}:
        for length in _GATE_LENGTHS:
            if length > len(token):
                break
            languages |= _GATE_STARTS.get(token[:length], set())
    return languages


_CODE_BLOCK = re.compile(r"```.*?(```|$)|~~~.*?(~~~|$)", re.DOTALL)
# Invisible once rendered, so only a machine reads it: a comment about the grade is for the grader.
_HTML_COMMENT = re.compile(r"<!--.*?(-->|$)", re.DOTALL)
_GRADING_WORDS = re.compile(
    r"\b(grad\w*|scor\w*|marks?|rubric|points?|criteri\w*|evaluat\w*|assess\w*|pass\w*"
    r"|correct|complete|covered|perfect|excellent)\b",
    _I,
)
# A Markdown link or image: removed whole when its text, URL or title is an injection (its
# title is invisible once rendered), so no stray "[see ref](http://example." is left behind.
_MARKDOWN_LINK = re.compile(r"!?\[[^\]\n]{0,300}\]\([^)\n]{0,600}\)")
_JSON_OBJECT = re.compile(r"\{(?:[^{}]|\{[^{}]*\})*\}?", re.DOTALL)
# Markup, and the rest of its line: text after a fake delimiter pretends to be outside the answer.
_MARKUP = re.compile(
    r"(<[^<>\n]{1,80}>|\[/?[A-Z]{2,6}\]|<\|[^|]{1,30}\|>|#{2,}\s*[A-Za-z]+|\bEND OF [A-Z]+\b)[^\n]*"
)
_BASE64 = re.compile(r"[A-Za-z0-9+/]{20,}={0,2}")
# A point before a digit does not end a sentence: "100.64.0.0/10" stays whole, not "0/10".
_SENTENCE = re.compile(r"(?:[^.!?。！？\n]|\.(?=\d))*(?:[.!?。！？]+|\n|$)")
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_ALNUM_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = frozenset(
    """a about above after again all also an and any are as at be because been being both but by
    can could did do does each for from had has have how i if in into is it its just more most
    no not of on only or other our out over same should so some such than that the their them
    then there these they this those through to too under up very was we were what when where
    which while who why will with would you your""".split()
)


@dataclass
class GuardResult:
    """What the guards decided about one answer.

    Attributes:
        answer: The text to grade (injections stripped, long answers cut).
        flags: Flags to put on the grade.
        messages: One sentence per flag, for the user.
        reject: The flag that makes the grade 0 without grading, if any.
        removed: Injection spans that were stripped (for audits).
    """

    answer: str
    flags: list[Flag] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    reject: Flag | None = None
    removed: list[str] = field(default_factory=list)


def _is_injection(text: str) -> str | None:
    folded = _fold(text)
    for candidate in dict.fromkeys((text, folded)):
        for name, pattern in _INJECTION_PATTERNS:
            if pattern.search(candidate):
                return name
    # Folding maps Cyrillic and Greek look-alikes to Latin: right for an English word in
    # disguise, wrong for a Ukrainian or Greek sentence, which is matched as written.
    mostly_greek_cyrillic = len(_GREEK_CYRILLIC.findall(text)) * 2 > len(_WORD_CHAR.findall(text))
    plain = _plain(text if mostly_greek_cyrillic else folded)
    for name in _candidate_languages(plain):
        if _LANGUAGE_PATTERNS[name].search(plain):
            return name
    return None


_GREEK_CYRILLIC = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff\u0400-\u04ff]")
_WORD_CHAR = re.compile(r"[^\W\d_]")


# Latin look-alikes (Cyrillic, Greek) and leetspeak digits, undone for detection only.
_HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕԁɡΑΒΕΖΗΙΚΜΝΟΡΤΥΧаеіοорсυνΙ",
    "aeopcyxijsdgABEZHIKMNOPTYXaeiooocuvI",
)
_LEET = str.maketrans("013457@$", "oieastas")
_LEET_TOKEN = re.compile(r"\b(?=[\w@$]*[a-z])(?=[\w@$]*[0-9@$])[\w@$]+\b", _I)
_SPACED = re.compile(r"\b(?:\w ){2,}\w\b")


def _fold(text: str) -> str:
    """Text with obfuscation undone: NFKC, homoglyphs, l33t words, s p a c e d letters."""
    text = unicodedata.normalize("NFKC", text).translate(_HOMOGLYPHS)
    text = _LEET_TOKEN.sub(lambda m: m.group(0).translate(_LEET), text)
    return _SPACED.sub(lambda m: m.group(0).replace(" ", ""), text)


def _decoded_base64(blob: str) -> str | None:
    try:
        raw = base64.b64decode(blob + "=" * (-len(blob) % 4), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    printable = sum(ch.isprintable() or ch.isspace() for ch in text)
    return text if text and printable / len(text) > 0.9 and " " in text else None


def find_injections(text: str) -> list[str]:
    """Spans of ``text`` that address the grader rather than answer the question."""
    return strip_injections(text)[1]


def strip_injections(text: str) -> tuple[str, list[str]]:
    """Remove injection spans; returns the remaining text and the removed spans.

    HTML comments that talk about the grade are removed (nobody reading the page sees them);
    code blocks, JSON objects and Markdown links are removed whole when anything in them is an
    injection; chat markup and tags are always removed (they are never part of an answer
    spoken or typed in an interview); base64 blobs that decode to text are removed; then every
    sentence that matches an injection pattern.
    """
    removed: list[str] = []

    def drop_if_injection(match: re.Match[str]) -> str:
        span = match.group(0)
        if _is_injection(span) or _is_injection(_decoded_base64(span) or ""):
            removed.append(span)
            return " "
        return span

    def drop_markup(match: re.Match[str]) -> str:
        span = match.group(0)
        if _is_injection(span) or re.match(r"<\s*/|\[/|\[(INST|SYS)\]|<\|", span):
            removed.append(span)
            return " "
        return span

    def drop_base64(match: re.Match[str]) -> str:
        span = match.group(0)
        if _decoded_base64(span) is not None:
            removed.append(span)
            return " "
        return span

    def drop_hidden(match: re.Match[str]) -> str:
        span = match.group(0)
        if _GRADING_WORDS.search(span) or _is_injection(span):
            removed.append(span)
            return " "
        return span

    text = _HTML_COMMENT.sub(drop_hidden, text)
    text = _CODE_BLOCK.sub(drop_if_injection, text)
    text = _JSON_OBJECT.sub(drop_if_injection, text)
    text = _MARKDOWN_LINK.sub(drop_if_injection, text)
    text = _MARKUP.sub(drop_markup, text)
    text = _BASE64.sub(drop_base64, text)
    kept: list[str] = []
    for sentence in _SENTENCE.findall(text):
        if sentence.strip() and _is_injection(sentence):
            removed.append(sentence.strip())
        elif removed and sentence.strip() in (")", "]", "}", ").", "]."):
            continue  # the bracket left behind by a removed aside
        else:
            kept.append(sentence)
    cleaned = re.sub(r"[ \t]{2,}", " ", "".join(kept)).strip()
    return cleaned, removed


def _stems(text: str) -> set[str]:
    words = (w.lower() for w in _WORD.findall(text))
    return {w[:6] for w in words if len(w) >= 3 and w not in _STOP}


def _unigrams() -> dict[str, float]:
    # One thread-safe load per process, shared with document normalization.
    from interviewer.knowledge.normalize import word_counts

    return word_counts()


def _common(token: str) -> bool:
    """Common in English web text, or an acronym."""
    return token.isupper() and len(token) <= 6 or _unigrams().get(token.lower(), 0) >= 1e6


def _compound(token: str) -> bool:
    """Made of a few common words (``minibatch``, ``cyclegan``); word segmentation is slow."""
    low = token.lower()
    counts = _unigrams()
    if len(low) >= 6:
        import wordsegment

        pieces = wordsegment.segment(low)
        return len(pieces) <= 3 and all(len(p) >= 3 and counts.get(p, 0) >= 1e6 for p in pieces)
    return False


def _is_gibberish(answer: str) -> bool:
    tokens = [t for t in _WORD.findall(answer) if t.isascii()]
    if len(tokens) < 3:
        return False
    needed = 0.4 * len(tokens)
    common = sum(_common(t) for t in tokens)
    if common >= needed:  # real prose: no need to segment the rare words
        return False
    return common + sum(_compound(t) for t in tokens if not _common(t)) < needed


_QUESTION_START = re.compile(
    r"\s*(what|how|why|which|when|where|who|whom|whose|is|are|can|could|do|does|did|should"
    r"|would|will|explain|describe|define|name|list|compare)\b",
    _I,
)


def _is_copy(answer: str, question: Question) -> bool:
    # A word of the reference is the answer, not a copy: "The human skeleton allows it to bend
    # because of the joints." (a human grader gave it 5 of 5).
    added = _stems(answer) - _stems(question.text)
    if added & _stems(" ".join([*question.key_points, question.model_answer])):
        return False
    ratio = SequenceMatcher(None, answer.lower().split(), question.text.lower().split()).ratio()
    # "What are GANs?" for "What are Generative Adversarial Networks (GANs)?": the question
    # asked back, shortened, with no word of its own. A tentative answer is not one: "if the
    # switch is on?" (a human grader gave it 2.5 of 5).
    asked_back = not added and answer.rstrip().endswith("?") and bool(_QUESTION_START.match(answer))
    restated = len(added) <= 1 and (ratio >= 0.6 or _stems(answer) >= _stems(question.text))
    return restated or asked_back


def _mostly_non_latin(text: str) -> bool:
    """Written mostly outside the Latin script (Chinese, Russian, Arabic...): the key points,
    the offline model and the injection guards read English. A formula's few Greek letters
    are far below the 20 letters this needs."""
    letters = [ch for ch in text if ch.isalpha()]
    latin = sum(unicodedata.name(ch, "").startswith("LATIN") for ch in letters)
    return len(letters) >= 20 and latin * 2 < len(letters)


def _is_off_topic(answer: str, question: Question, embedder: Embedder | None) -> bool:
    """Off topic: (almost) no word in common with the question, key points and model answer.

    Terse answers are safe: they name the concept, which shares a word. With an embedder, a
    paraphrase that shares no word is rescued by its semantic similarity, as a whole or in any
    one of its sentences: "There wasn't a closed path anymore. I think that is the main idea,
    and I would have to look up the details of the rest." was rejected as off topic, the
    second sentence diluting the first (the train splits' figures did not move).
    """
    answer_stems = _stems(answer)
    overlap = len(answer_stems & _stems(topic_text(question)))
    if len(answer_stems) < 6 or overlap > 1:
        return False
    if embedder is None:
        return overlap == 0
    sentences = [answer[a:b] for a, b in sentence_ranges(answer)]
    texts = [topic_text(question), answer, *(sentences if len(sentences) > 1 else [])]
    vectors = embedder.embed(texts)
    return float(np.max(vectors[1:] @ vectors[0])) < _OFF_TOPIC_COSINE


def check_answer(
    question: Question,
    answer: str,
    *,
    models_dir: Path,
    max_answer_tokens: int = MAX_ANSWER_TOKENS,
    transcript_confidence: float | None = None,
    embedder: Embedder | None = None,
    topics: BankTopics | None = None,
) -> GuardResult:
    """Run every guard on one answer (no model call beyond an optional embedding).

    ``topics``: the bank's questions, to reject an answer that is about another one of them.
    """
    if not answer.strip():
        what = "empty" if not answer else "only whitespace"
        return GuardResult(
            answer="",
            flags=["empty"],
            messages=[f"The answer is {what}: nothing to grade."],
            reject="empty",
        )
    text = answer.strip()
    # Bounds the pattern matching on huge inputs: the grader reads ~3,000 characters.
    result = GuardResult(answer=text[:_SCAN_CHARS])
    cleaned, removed = strip_injections(result.answer)
    if removed:
        result.answer, result.removed = cleaned, removed
        result.flags.append("injection_attempt")
        result.messages.append(
            f"{counted(len(removed), 'passage')} {EXPLAINED['injection_attempt']} "
            f"{'was' if len(removed) == 1 else 'were'} removed and not "
            "graded; answers are graded as data, never as instructions."
        )
    _reject_checks(result, question, embedder)
    if result.reject is None and topics is not None:
        _reject_other_question(result, question, topics)
    if result.reject is None and (language := foreign_language(result.answer)):
        result.messages.append(
            f"The answer seems to be written in {language}: the interview is in English and the "
            "grade compares it with English references, so it may miss what the answer says. "
            "Answer in English."
        )
    cut = len(text) > _SCAN_CHARS or count_tokens(result.answer, models_dir) > max_answer_tokens
    if result.reject is None and cut:
        result.answer = truncate_tokens(result.answer, max_answer_tokens, models_dir)
        result.flags.append("truncated")
        # Where the cut fell, in words: the note under the answer box counts words, and "700
        # tokens" told a candidate nothing about which of their points were read.
        kept = result.answer.split()
        end = " ".join(kept[-6:])
        result.messages.append(
            f"The answer is long: only its first {len(kept)} words, up to “…{end}”, "
            f"{EXPLAINED['truncated']} (a limit of {max_answer_tokens} tokens)."
        )
    if transcript_confidence is not None and transcript_confidence < LOW_TRANSCRIPT_CONFIDENCE:
        result.flags.append("low_confidence_transcript")
        # No percentage: the app caps the confidence of a mostly silent recording at 0.3 so
        # that it is flagged, and "(30%)" read as a measurement (Whisper's own was 56%).
        result.messages.append(
            f"{EXPLAINED['low_confidence_transcript']}; check the transcript, the grade may "
            "reflect recognition errors."
        )
    return result


def _reject_checks(result: GuardResult, question: Question, embedder: Embedder | None) -> None:
    text = result.answer
    # Numbers are content: "0.0.0.0/8, 127.0.0.0/8" or "0.5" can be the whole answer.
    words = _ALNUM_WORD.findall(text)
    checks: list[tuple[Flag, bool, str]] = [
        (
            "empty",
            not words,
            "Nothing is left to grade once the text addressed to the grader is removed."
            if result.removed
            else "The answer has no words or numbers to grade: write the answer in words.",
        ),
        (
            "too_short",
            len(words) < 2 or sum(map(len, words)) < 8,
            "The answer is too short to grade: explain the idea in at least a sentence.",
        ),
        (
            "gibberish",
            _is_gibberish(text),
            "The answer does not read as English words: write your answer in English.",
        ),
        (
            "copied_question",
            _is_copy(text, question),
            "The answer repeats the question: answer it instead.",
        ),
        (
            "off_topic",
            _mostly_non_latin(text),
            "The answer is not in English, so it cannot be compared with the question and its "
            "key points: answer in English.",
        ),
        (
            "off_topic",
            _is_off_topic(text, question, embedder),
            "The answer does not address the question: it shares no idea with the question "
            "or its key points.",
        ),
    ]
    for flag, failed, message in checks:
        if failed:
            result.flags.append(flag)
            result.messages.append(message)
            result.reject = flag
            return


def _reject_other_question(result: GuardResult, question: Question, topics: BankTopics) -> None:
    other = topics.other_question(question, result.answer)
    if other is not None:
        result.flags.append("off_topic")
        result.messages.append(
            # Named by its text: a candidate knows no bank and no "q04".
            f"The answer is about another interview question (“{shorten(other.text, 90)}”), "
            "not about this one: answer the question asked."
        )
        result.reject = "off_topic"


class GuardedGrader:
    """Runs the guards, then the wrapped grader on the cleaned answer (or returns a 0 grade).

    Args:
        inner: The grader that grades answers that pass the guards.
        prompts_dir: For the prompt version recorded on guard grades.
        models_dir: Offline tokenizer (answer length cap).
        embedder: Optional, to confirm off-topic answers semantically.
        max_answer_tokens: Longer answers are cut to this and flagged ``truncated``.
        topics: The bank's questions, to reject an answer about another one of them.
    """

    def __init__(
        self,
        inner: Grader,
        *,
        prompts_dir: Path,
        models_dir: Path,
        embedder: Embedder | None = None,
        max_answer_tokens: int = MAX_ANSWER_TOKENS,
        topics: BankTopics | None = None,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self._prompts_dir = prompts_dir
        self._models_dir = models_dir
        self._embedder = embedder
        self._max_answer_tokens = max_answer_tokens
        self._topics = topics

    def wrapping(self, inner: Grader) -> GuardedGrader:
        """The same guards around another grader."""
        other = copy.copy(self)
        other.inner, other.name = inner, inner.name
        return other

    def _check(self, request: GradeRequest) -> GuardResult:
        return check_answer(
            request.question,
            request.answer,
            models_dir=self._models_dir,
            max_answer_tokens=self._max_answer_tokens,
            transcript_confidence=request.transcript_confidence,
            embedder=self._embedder,
            topics=self._topics,
        )

    def reading(self, request: GradeRequest) -> Reading:
        """The offline grader's scale-free reading of the answer as :meth:`grade` would grade
        it (the guards' 0 for a rejected answer), for a team fit of the scale.

        Raises:
            ConfigError: The wrapped grader is not the offline grader.
        """
        verdict = self._check(request)
        if verdict.reject is not None:
            return Reading(m=0.0, share=0.0, own=(), alignment=(), rejected=True)
        read = getattr(self.inner, "reading", None)
        if read is None:
            raise ConfigError(
                f"The {self.inner.name} grader has no scale to fit: fit the offline grader's "
                "(--grader offline)."
            )
        reading: Reading = read(request.model_copy(update={"answer": verdict.answer}))
        return reading

    def grade(self, request: GradeRequest) -> Grade:
        """Grade through the guards.

        Raises:
            GradingError: From the inner grader.
        """
        verdict = self._check(request)
        if verdict.reject is not None:
            return self._rejected(request.question, verdict)
        grade = self.inner.grade(request.model_copy(update={"answer": verdict.answer}))
        flags = list(dict.fromkeys([*grade.flags, *verdict.flags]))
        message = " ".join(m for m in [grade.message, *verdict.messages] if m)
        return grade.model_copy(update={"flags": flags, "message": message})

    def _rejected(self, question: Question, verdict: GuardResult) -> Grade:
        reason = " ".join(verdict.messages)
        return Grade(
            question_id=question.id,
            question_version=question.version,
            # The 0 is the guards' verdict on the answer as a whole; no criterion was judged.
            overall=0.0,
            criteria=[
                CriterionScore(criterion=c, rationale=f"Not graded: {reason}") for c in CRITERIA
            ],
            key_points=[
                KeyPointVerdict(key_point=kp, verdict="missed") for kp in question.key_points
            ],
            feedback=f"{reason} A strong answer covers: "
            + "; ".join(kp.rstrip(" .") for kp in question.key_points[:3])
            + ".",  # a key point's own full stop made "samples.."
            model_answer=question.model_answer,
            follow_up=question.text,
            flags=verdict.flags,
            message=reason,
            grader=GraderInfo(kind="guard", prompt_version=prompt_version(self._prompts_dir)),
        )
