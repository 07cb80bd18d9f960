"""Shared test data: the spec's example scenario and ways to break it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from training.simulations.scenario import Scenario, ScenarioError, parse_scenario

ROOT = Path(__file__).resolve().parents[3]
SCENARIOS = ROOT / "scenarios"

# The example of scenario-format.md, word for word.
EXAMPLE = """\
format: 1
id: double-charge
title: {en: "Charged twice for one month", ru: "Двойное списание за месяц"}
summary: {en: "A long-time customer sees two charges on the bill.", ru: "Давний клиент видит два списания в счёте."}
languages: [en, ru]
category: payment/billing-error
channel: phone
difficulty: 2
persona:
  name: Irina
  description: {en: "Customer for 8 years, angry, short on time.", ru: "Клиентка 8 лет, раздражена, спешит."}
  mood: 70
rubric:
  - {id: acknowledge, label: {en: Acknowledge the problem, ru: Признать проблему}, max: 2}
  - {id: solution, label: {en: Offer a fair solution, ru: Предложить справедливое решение}, max: 2}
  - {id: categorize, label: {en: File the request correctly, ru: Правильно классифицировать обращение}, max: 2}
  - {id: closing, label: {en: Close the conversation, ru: Завершить разговор}, max: 2, mentor: true}
start: opening
nodes:
  opening:
    customer: {en: "You charged me twice this month!", ru: "Вы списали с меня деньги дважды!"}
    choices:
      - text: {en: "I understand, that is frustrating. Let me check.", ru: "Понимаю, это неприятно. Сейчас проверю."}
        scores: {acknowledge: 2}
        mood: -15
        next: file
      - text: {en: "Did you read the tariff terms?", ru: "Вы читали условия тарифа?"}
        mood: 25
        feedback: {en: "Blames the customer.", ru: "Перекладывает вину на клиента."}
        next: file
  file:
    customer: {en: "So what now?", ru: "И что теперь?"}
    classify: {answer: payment/billing-error, points: 2, criterion: categorize, next: offer}
  offer:
    customer: {en: "I want my money back.", ru: "Верните деньги."}
    choices:
      - text: {en: "The duplicate will be refunded within 3 days.", ru: "Дубль вернём в течение 3 дней."}
        scores: {solution: 2}
        mood: -30
        next: close
  close:
    customer: {en: "OK.", ru: "Хорошо."}
    reply: {prompt: {en: "Close the conversation.", ru: "Завершите разговор."}, criteria: [closing], next: done}
  done:
    customer: {en: "Thanks.", ru: "Спасибо."}
    end: {outcome: resolved, message: {en: "Resolved.", ru: "Решено."}}
"""

FILENAME = "double-charge.yaml"


def example_data() -> dict[str, Any]:
    """Return the example as plain data, ready to be changed by a test."""
    return copy.deepcopy(yaml.safe_load(EXAMPLE))


def dump(data: Any) -> str:
    """Return *data* as YAML text."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def parse(data: Any, filename: str = FILENAME, **kwargs: Any) -> Scenario:
    """Parse *data* (a dict or YAML text) as a scenario file called *filename*."""
    text = data if isinstance(data, str) else dump(data)
    return parse_scenario(text, filename, **kwargs)


def problems(data: Any, filename: str = FILENAME, **kwargs: Any) -> ScenarioError:
    """Parse *data* expecting it to be refused; return the error."""
    try:
        parse(data, filename, **kwargs)
    except ScenarioError as exc:
        return exc
    raise AssertionError("the scenario was accepted but should have been refused")


