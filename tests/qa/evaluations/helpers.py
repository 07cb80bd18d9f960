"""Forms shared by the evaluation tests."""

from qa.evaluations.formfile import parse_form

# The example of forms.md, with a weighted N/A item and every item type.
EXAMPLE_FORM = """\
format: 1
id: phone-shop
title: {en: Phone mystery shop, ru: Тайный звонок}
kind: mystery_shop
channel: phone
languages: [en, ru]
sections:
  - title: {en: Greeting, ru: Приветствие}
    items:
      - {id: answer_time, type: timer, text: {en: Seconds until answered, ru: Секунды до ответа}, threshold: 60, weight: 2}
      - {id: greeting, type: yes_no, text: {en: Greeted, ru: Поздоровался}, weight: 1}
      - {id: identified, type: yes_no, text: {en: Identified the need, ru: Выявил потребность}, weight: 1, na: true}
  - title: {en: Handling, ru: Работа с обращением}
    items:
      - {id: listened, type: scale, max: 4, text: {en: Listened, ru: Выслушал}, weight: 3}
      - {id: polite, type: yes_no, text: {en: Polite, ru: Вежлив}, weight: 2, critical: true}
      - {id: overall, type: stars, text: {en: Overall, ru: Общее впечатление}, weight: 1}
      - {id: hold_time, type: timer, text: {en: Seconds on hold, ru: Секунды на удержании}}
      - {id: notes, type: text, text: {en: Notes, ru: Заметки}}
      - {id: receipt, type: photo, text: {en: Receipt, ru: Чек}}
      - {id: recording, type: audio, text: {en: Recording, ru: Запись}}
"""


def example_form():
    """Return the parsed example form."""
    return parse_form(EXAMPLE_FORM, "phone-shop.yaml")


def full_marks():
    """Return answers that earn every point of the example form."""
    return {"answer_time": 30, "greeting": True, "identified": True, "listened": 4,
            "polite": True, "overall": 5}
