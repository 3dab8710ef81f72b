import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kbgen.exceptions import Problem
from kbgen.records import Entry
from kbgen.sources.tagged import TaggedListReader, split_title
from tests.helpers import SOURCES

GOLDENS = Path(__file__).parent / "fixtures" / "tagged"
FILES = ("glossary-implementation.txt", "glossary-advanced.txt")


def golden(name: str) -> dict[int, str]:
    """Line number → hand-checked title (see the notes at the top of each golden)."""
    rows = (GOLDENS / f"{Path(name).stem}.titles.tsv").read_text(encoding="utf-8").splitlines()
    return {int(n): t for n, t in (r.split("\t") for r in rows if r and not r.startswith("#"))}


def entry_lines(name: str) -> dict[int, str]:
    """Line number → text after ``- ``, for every entry line of a real source."""
    text = (SOURCES / name).read_text(encoding="utf-8")
    return {n: line[2:] for n, line in enumerate(text.split("\n"), 1) if line.startswith("- ")}


# --- the measured test: every real line against the hand-checked golden ----------------------


@pytest.mark.parametrize(("name", "count"), [(FILES[0], 188), (FILES[1], 248)])
def test_golden_covers_every_entry_line(name: str, count: int) -> None:
    lines = entry_lines(name)
    assert set(golden(name)) == set(lines)
    assert len(lines) == count
    # Each golden title is a proper, unspaced prefix of its line.
    for n, title in golden(name).items():
        assert lines[n].startswith(title) and not lines[n][len(title)].isspace(), n


@pytest.mark.parametrize("name", FILES)
def test_splitter_matches_golden_on_every_real_line(name: str) -> None:
    expected, lines = golden(name), entry_lines(name)
    titles = {n: split_title(line)[0] for n, line in lines.items()}
    misses = {n: (expected[n], titles[n]) for n in expected if titles[n] != expected[n]}
    assert misses == {}, f"{len(expected) - len(misses)}/{len(expected)} correct"


def test_work_per_line_is_bounded_by_the_title_window() -> None:
    # A huge description costs no more candidates than a short one: time stays linear.
    line = "PagedAttentionPagedAttention stores the KV cache in blocks. " + "More text. " * 50_000
    start = time.perf_counter()
    assert split_title(line)[0] == "PagedAttention"
    assert time.perf_counter() - start < 1.0


# --- hard cases settled by hand, one row per kind -----------------------------------------------

HARD = [
    (
        "same words",
        "PagedAttentionPagedAttention stores the KV cache in fixed-size blocks.",
        "PagedAttention",
    ),
    (
        "inner capitals and digits",
        "DINOv2A self-supervised ViT pretraining recipe from Meta that "
        "combines self-distillation with masked modelling.",
        "DINOv2",
    ),
    (
        "lower-case start",
        "vLLM & Continuous BatchingvLLM is an LLM serving system built around "
        "PagedAttention and continuous batching.",
        "vLLM & Continuous Batching",
    ),
    (
        "title word dropped",
        "AdamW OptimizerAdamW is Adam with decoupled weight decay applied directly to the weights.",
        "AdamW Optimizer",
    ),
    (
        "article then restatement",
        "HyperparameterA hyperparameter is a setting chosen outside "
        "the optimization loop, such as the learning rate.",
        "Hyperparameter",
    ),
    (
        "article, other word",
        "EpochAn epoch is one complete pass through the training dataset during training.",
        "Epoch",
    ),
    (
        "acronym in parentheses restated",
        "Low-Rank Adaptation (LoRA)LoRA fine-tunes a model by "
        "expressing each weight update as a low-rank product.",
        "Low-Rank Adaptation (LoRA)",
    ),
    (
        "hyphenated title, acronym restated",
        "Parameter-Efficient Fine-Tuning (PEFT)PEFT is a "
        "family of fine-tuning methods that keep most weights frozen.",
        "Parameter-Efficient Fine-Tuning (PEFT)",
    ),
    (
        "expansion in parentheses",
        "QLoRA (Quantized LoRA)QLoRA combines 4-bit quantization of "
        "the frozen base model with LoRA adapters.",
        "QLoRA (Quantized LoRA)",
    ),
    (
        "camel-case acronym",
        "Root Mean Square Normalization (RMSNorm)RMSNorm normalizes "
        "activations by their root mean square without subtracting the mean.",
        "Root Mean Square Normalization (RMSNorm)",
    ),
    (
        "restated in lower case",
        "k-Fold Cross-Validationk-fold cross-validation rotates a "
        "held-out fold through the dataset so every example is used.",
        "k-Fold Cross-Validation",
    ),
    (
        "hyphen added in restatement",
        "Mixed Precision TrainingMixed-precision training performs "
        "most computation in lower precision such as FP16.",
        "Mixed Precision Training",
    ),
    (
        "different word entirely",
        "Differential Privacy & DP-SGDFormal guarantee that an "
        "algorithm's output distribution barely changes if one example is replaced.",
        "Differential Privacy & DP-SGD",
    ),
    (
        "author et al.",
        "Self-Play Fine-Tuning (SPIN)Chen et al. (2024) cast fine-tuning as a "
        "game between the current model and its previous iterate.",
        "Self-Play Fine-Tuning (SPIN)",
    ),
    (
        "single author",
        "Denoising Score MatchingVincent (2011) showed that the score of a "
        "corrupted distribution can be learned by denoising.",
        "Denoising Score Matching",
    ),
    (
        "several authors",
        "DDIM (Deterministic Diffusion Sampling)Song, Meng & Ermon (2020) "
        "introduced a non-Markovian sampler for diffusion models.",
        "DDIM (Deterministic Diffusion Sampling)",
    ),
    (
        "possessive",
        "JEPA (Joint Embedding Predictive Architecture)LeCun's self-supervised "
        "template (2022) predicts the representation of a target.",
        "JEPA (Joint Embedding Predictive Architecture)",
    ),
    (
        "imperative",
        "Quantized KV Cache (int4 / int8 / KIVI)Store the KV cache at lower precision "
        "instead of fp16 to halve its memory.",
        "Quantized KV Cache (int4 / int8 / KIVI)",
    ),
    (
        "formula",
        "Perplexity\\( \\exp \\) of the average negative log-likelihood per token, where "
        "lower is better.",
        "Perplexity",
    ),
    (
        "capitals into an article",
        "SigLIPA contrastive image–text pretraining method that "
        "replaces the softmax loss with a pairwise sigmoid loss.",
        "SigLIP",
    ),
    (
        "capitals into a capital word",
        "GAN Family: WGAN, StyleGAN, BigGANThree architectural and "
        "objective milestones in generative adversarial networks.",
        "GAN Family: WGAN, StyleGAN, BigGAN",
    ),
    (
        "acronym of the title",
        "Neural Architecture Search (modern approaches)NAS automates the "
        "design of network architectures by searching a space.",
        "Neural Architecture Search (modern approaches)",
    ),
    (
        "expansion of the title's acronym",
        "BYOL / Self-DistillationBootstrap Your Own Latent "
        "(Grill et al., 2020) shows that strong representations need no negatives.",
        "BYOL / Self-Distillation",
    ),
    (
        "parenthetical kept",
        "Top-p Sampling (Nucleus Sampling)Top-p, or nucleus, sampling "
        "chooses the smallest set of tokens above a threshold.",
        "Top-p Sampling (Nucleus Sampling)",
    ),
    (
        "word after parentheses",
        "Vision Transformer (ViT) VariantsSince the original ViT, a wide "
        "family of variants has improved data efficiency.",
        "Vision Transformer (ViT) Variants",
    ),
    (
        "slashes",
        "Train/Validation/Test SplitA train/validation/test split separates fitting, "
        "selection and final evaluation.",
        "Train/Validation/Test Split",
    ),
    (
        "vs.",
        "Target Leakage vs. Data LeakageData leakage is any contamination that lets "
        "training use information unavailable at prediction time.",
        "Target Leakage vs. Data Leakage",
    ),
    (
        "vs, second half restated",
        "Process Reward Models (PRM) vs Outcome Reward Models (ORM)"
        "Outcome reward models score only the final answer of a solution.",
        "Process Reward Models (PRM) vs Outcome Reward Models (ORM)",
    ),
    (
        "colon and list",
        "Constrained Decoding: Grammars, JSON Mode, RegexGrammar-constrained "
        "decoding masks any next token that would violate a grammar.",
        "Constrained Decoding: Grammars, JSON Mode, Regex",
    ),
    (
        "em dash",
        "Evidence Lower Bound (ELBO) — DerivationTwo derivations of the ELBO, one by "
        "Jensen's inequality and one by the KL gap.",
        "Evidence Lower Bound (ELBO) — Derivation",
    ),
    (
        "plural into singular",
        "Memory-Augmented TransformersTransformer variants that extend "
        "effective context length with an external memory.",
        "Memory-Augmented Transformers",
    ),
    (
        "Greek letter",
        "β-VAE & Disentanglementβ-VAE replaces the ELBO's KL term with a weighted "
        "one to push towards disentangled factors.",
        "β-VAE & Disentanglement",
    ),
    (
        "accents and en dash",
        "Cramér–Rao Lower BoundThe Cramér–Rao bound states that an unbiased "
        "estimator has variance at least the inverse Fisher information.",
        "Cramér–Rao Lower Bound",
    ),
    (
        "question",
        "What is a jailbreak in the context of LLMs?In the context of LLMs, a jailbreak "
        "is a prompt that bypasses the model's safety training.",
        "What is a jailbreak in the context of LLMs?",
    ),
    (
        "plus signs",
        "PixelCNN / PixelCNN++Autoregressive image models that factor the joint "
        "distribution over pixels with masked convolutions.",
        "PixelCNN / PixelCNN++",
    ),
]


@pytest.mark.parametrize(("line", "title"), [r[1:] for r in HARD], ids=[r[0] for r in HARD])
def test_hard_cases(line: str, title: str) -> None:
    assert split_title(line) == (title, line[len(title) :])


@pytest.mark.parametrize(
    "line",
    [
        "PagedAttention",
        "Epoch",
        "Differential Privacy & DP-SGD",
        "Low-Rank Adaptation (LoRA)",
        "What is a jailbreak?",
        "Efficient PagedAttention Kernels for Serving",
        "vLLM",
        "GPT-2",
    ],
)
def test_a_title_alone_stays_whole(line: str) -> None:
    assert split_title(f"  {line} ") == (line, "")


# --- the reader ------------------------------------------------------------------------------


def parse(text: str, file: str = "list.txt") -> tuple[list[Entry], list[Problem]]:
    return TaggedListReader().parse(text, file)


def test_reader_detects_the_format() -> None:
    reader = TaggedListReader()
    assert reader.detect("Tag: x\n1 topic(s)\n- EpochAn epoch is one pass.\n")
    assert not reader.detect("## Area\n- Name — summary\n")


def test_reader_reads_tag_titles_descriptions_and_lines() -> None:
    entries, problems = parse(
        "Tag: Advanced Topics\n2 topic(s)\n"
        "- EpochAn epoch is one complete pass through the training data.\n"
        "- β-VAE & Disentanglementβ-VAE weights the KL term of the ELBO by beta.\n"
    )
    assert problems == []
    assert [e.title for e in entries] == ["Epoch", "β-VAE & Disentanglement"]
    assert [e.ref.line for e in entries] == [3, 4]
    assert entries[0].tags == ("advanced-topics",)
    assert entries[1].section("What") == "β-VAE weights the KL term of the ELBO by beta."


def test_count_mismatch_is_a_warning_naming_file_and_line() -> None:
    entries, problems = parse("Tag: x\n3 topic(s)\n- EpochAn epoch is one pass over the data.\n")
    assert len(entries) == 1
    assert [str(p) for p in problems] == ["list.txt:2: warning: count line says 3, found 1 entries"]


def test_title_only_line_warns_and_falls_back_to_the_title() -> None:
    entries, problems = parse("Tag: x\n2 topic(s)\n- PagedAttention\n- What is a jailbreak?\n")
    assert [e.title for e in entries] == ["PagedAttention", "What is a jailbreak?"]
    assert [e.section("What") for e in entries] == ["PagedAttention", "What is a jailbreak?"]
    assert [str(p) for p in problems] == [
        "list.txt:3: warning: no description found: the whole line is the title",
        "list.txt:4: warning: no description found: the whole line is the title",
    ]


def test_empty_entry_line_does_not_raise() -> None:
    entries, problems = parse("Tag: x\n1 topic(s)\n-  \n")
    assert [e.title for e in entries] == ["Untitled entry at line 3"]
    assert all(p.severity == "warning" and p.line == 3 for p in problems)


def test_question_title_with_description() -> None:
    entries, _ = parse(
        "Tag: x\n1 topic(s)\n- What is a jailbreak in the context of LLMs?In the context of "
        "LLMs, a jailbreak is a prompt that bypasses safety training.\n"
    )
    assert entries[0].title == "What is a jailbreak in the context of LLMs?"
    assert entries[0].section("What").startswith("In the context of LLMs, a jailbreak")


@pytest.mark.parametrize(
    ("name", "tag", "count"), [(FILES[0], "implementation", 188), (FILES[1], "advanced", 248)]
)
def test_real_lists_read_cleanly(name: str, tag: str, count: int) -> None:
    entries, problems = parse((SOURCES / name).read_text(encoding="utf-8"), name)
    assert problems == []
    assert len(entries) == count
    assert all(e.tags == (tag,) and e.section("What") for e in entries)


# --- properties --------------------------------------------------------------------------------

TITLE_CHARS = st.sampled_from(list("AaBbKkLlRrxß β-/&():?.,+ 0123456789ÉéΔ—–'’\\$\t"))


@given(
    st.one_of(
        st.text(), st.text(TITLE_CHARS), st.tuples(st.text(TITLE_CHARS), st.text()).map("".join)
    )
)
def test_split_never_crashes_and_reassembles(line: str) -> None:
    title, description = split_title(line)
    assert title + description == line.strip()
    assert title == title.strip() and description == description.strip()
    assert bool(title) == bool(line.strip())


@given(st.text())
def test_reader_never_raises(body: str) -> None:
    entries, problems = parse(f"Tag: x\n1 topic(s)\n- {body}\n")
    assert entries and all(e.title and e.section("What") for e in entries)
    assert all(p.severity == "warning" for p in problems)


def test_odd_bullets_are_read_with_a_warning_and_other_lines_are_reported() -> None:
    text = (
        "Tag: t\n2 topic(s)\n* Weight TyingWeight tying shares a matrix.\n"
        "  - Pruning (Structured)Pruning removes weights.\nstray prose line\n"
    )
    entries, problems = TaggedListReader().parse(text, "odd.txt")
    assert [e.title for e in entries] == ["Weight Tying", "Pruning (Structured)"]
    assert [(p.line, p.message) for p in problems] == [
        (3, "entry bullet is not `- `; read as an entry"),
        (4, "entry bullet is not `- `; read as an entry"),
        (5, "ignored: not a `- ` entry, `Tag:` or count line"),
    ]
