"""A reasoning model reasons whatever the task: a classification or summary prompt sets the visible answer it
expects, and the model's hidden reasoning, billed as output, is still counted."""
from __future__ import annotations

import pytest

from llmsight.knowledge.priors import output_prior


@pytest.mark.parametrize("model", ["o3", "openai/o4-mini", "gpt-5-mini", "deepseek-reasoner"])
@pytest.mark.parametrize("task", ["classification", "summary"])
def test_a_task_prompt_on_a_reasoning_model_keeps_its_reasoning(model, task):
    prior = output_prior(model, "chat", task)
    plain = output_prior("gpt-4o-mini", "chat", task)
    reasoning = output_prior(model, "chat", None)
    assert prior.task == task and prior.output_tokens == plain.output_tokens    # the answer the task expects
    assert prior.reasoning_tokens == reasoning.reasoning_tokens > 0          # and the model's hidden reasoning
    assert prior.source and prior.date


def test_a_task_prompt_on_a_plain_model_has_no_reasoning():
    prior = output_prior("gpt-4o-mini", "chat", "classification")
    assert (prior.output_tokens, prior.reasoning_tokens) == (8, 0)
