"""The cross-linker: what it links, what it leaves alone, and at what scale.

Sentences marked "real" are copied from the seed glossaries in ``sources/``.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kbgen.links import Linker, LinkTarget

TOPICS = {
    "rag": ["Retrieval-Augmented Generation (RAG)", "Retrieval-Augmented Generation", "RAG"],
    "lora": ["Low-Rank Adaptation (LoRA)", "Low-Rank Adaptation", "LoRA"],
    "qlora": ["QLoRA (Quantized LoRA)", "QLoRA"],
    "peft": ["Parameter-Efficient Fine-Tuning (PEFT)", "PEFT"],
    "kv-caching": ["Key-Value (KV) Caching", "KV cache", "KV"],
    "vllm": ["vLLM"],
    "paged-attention": ["PagedAttention"],
    "flash-attention": ["FlashAttention"],
    "tensorrt-llm": ["TensorRT-LLM"],
    "continuous-batching": ["Continuous Batching"],
    "llm": ["Large Language Model (LLM)", "LLM"],
    "mixed-precision-training": ["Mixed Precision Training", "mixed precision"],
    "chain-of-thought": ["Chain-of-Thought", "CoT"],
    "cot-monitorability": ["Chain-of-Thought Monitorability"],
    "dropout": ["Dropout"],
    "adamw": ["AdamW Optimizer", "AdamW"],
    "dpo": ["Direct Preference Optimization (DPO)", "DPO"],
    "zero": ["ZeRO (Zero Redundancy Optimizer)", "ZeRO"],
    "fsdp": ["Fully Sharded Data Parallel (FSDP)", "FSDP"],
    "sgd": ["Stochastic Gradient Descent (SGD)", "SGD"],
    "dp-sgd": ["DP-SGD"],
    "vit": ["Vision Transformer (ViT)", "ViT"],
    "sam-segment": ["Segment Anything Model (SAM)", "SAM"],
    "sam-sharpness": ["Sharpness-Aware Minimization (SAM)", "SAM"],
    "nucleus-sampling": ["Nucleus Sampling (Top-p)", "nucleus sampling", "Top-p"],
    "ml": ["ML"],
    "cpp": ["C++"],
}
LINKER = Linker(LinkTarget(name, slug) for slug, names in TOPICS.items() for name in names)
LINK = re.compile(r"\[((?:\\.|[^\[\]\\])*)\]\(([^()]*)\.md\)")


def link(text: str, self_slug: str = "page") -> tuple[str, list[str]]:
    return LINKER.link(text, self_slug, lambda slug: f"{slug}.md")


def links(text: str, self_slug: str = "page") -> list[str]:
    """The links made, as ``text->slug``; checks that nothing else changed."""
    out, slugs = link(text, self_slug)
    assert LINK.sub(r"\1", out) == text
    made = [f"{m[1]}->{m[2]}" for m in LINK.finditer(out)]
    assert list(dict.fromkeys(m.split("->")[1] for m in made)) == slugs
    return made


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "PagedAttention stores the KV cache in fixed-size non-contiguous blocks, like "
            "virtual-memory pages, instead of requiring one contiguous allocation per sequence. "
            "This largely removes fragmentation, enables prompt-prefix sharing, and is a key "
            "reason vLLM can serve many more concurrent requests.",
            ["PagedAttention->paged-attention", "KV cache->kv-caching", "vLLM->vllm"],
            id="real: PagedAttention, KV cache, vLLM",
        ),
        pytest.param(
            "LoRA fine-tunes a model by expressing each weight update as a low-rank product "
            "\\( \\Delta W = BA \\) while keeping the original weight matrix frozen. This "
            "dramatically cuts trainable parameters and optimizer state, which is why LoRA "
            "became the default PEFT method for LLMs.",
            ["LoRA->lora", "PEFT->peft"],
            id="real: once per section, no plural LLMs, no low-rank",
        ),
        pytest.param(
            "QLoRA combines 4-bit quantization of the frozen base model with LoRA adapters "
            "trained in higher precision.",
            ["QLoRA->qlora", "LoRA->lora"],
            id="real: LoRA not inside QLoRA",
        ),
        pytest.param(
            "vLLM is an LLM serving system built around PagedAttention and continuous batching.",
            [
                "vLLM->vllm",
                "LLM->llm",
                "PagedAttention->paged-attention",
                "continuous batching->continuous-batching",
            ],
            id="real: case-insensitive multi-word name",
        ),
        pytest.param(
            "  [How] Use vLLM/TensorRT‑LLM; enable paged KV.  ",
            ["vLLM->vllm", "TensorRT‑LLM->tensorrt-llm"],
            id="real: U+2011 in an acronym",
        ),
        pytest.param(
            "- Enable FlashAttention and KV‑cache in serving; consider paged KV (vLLM) for long "
            "prompts.",
            ["FlashAttention->flash-attention", "KV‑cache->kv-caching", "vLLM->vllm"],
            id="real: U+2011 between words",
        ),
        pytest.param(
            "Mixed-precision training performs most computation in lower precision such as "
            "FP16 or bfloat16 while keeping selected quantities in higher precision.",
            ["Mixed-precision training->mixed-precision-training"],
            id="real: hyphen for space",
        ),
        pytest.param(
            "  [How] Standard FT with optimizer (AdamW), LR schedule, mixed precision.  ",
            ["AdamW->adamw", "mixed precision->mixed-precision-training"],
            id="real: alias",
        ),
        pytest.param(
            "Chain-of-thought monitorability is the safety claim that when a model needs "
            "explicit reasoning to complete a task, its written chain of thought can be "
            "monitored for harmful intent or deception.",
            [
                "Chain-of-thought monitorability->cot-monitorability",
                "chain of thought->chain-of-thought",
            ],
            id="real: longest first, then the shorter name",
        ),
        pytest.param(
            "- Prefer DPO‑style preference optimization unless strict RLHF is required.",
            ["DPO->dpo"],
            id="real: acronym before hyphen and lowercase",
        ),
        pytest.param(
            "- For large models: ZeRO‑3/FSDP + gradient checkpointing; consider "
            "tensor/pipeline parallel if needed.",
            ["FSDP->fsdp"],
            id="real: ZeRO-3 is a longer name",
        ),
        pytest.param(
            "An extension of ZeRO that offloads optimizer states. ZeRO-Infinity uses "
            "bandwidth-aware partitioning.",
            ["ZeRO->zero"],
            id="real: ZeRO-Infinity is a longer name",
        ),
        pytest.param(
            "Simpler than DPO, matches or beats it. Prevents DPO's tendency to over-separate.",
            ["DPO->dpo"],
            id="real: possessive",
        ),
        pytest.param(
            "small-batch SGD prefers flat minima, and the Sharpness-Aware Minimisation (SAM) "
            "optimiser and SAM explicitly penalise sharpness.",
            ["SGD->sgd"],
            id="real: SAM names two topics",
        ),
        pytest.param(
            "DP-SGD achieves \\( (\\varepsilon, \\delta) \\)-DP by clipping per-example "
            "gradients; plain SGD does not.",
            ["DP-SGD->dp-sgd", "SGD->sgd"],
            id="real: SGD not inside DP-SGD",
        ),
        pytest.param(
            "ViT is the backbone of modern vision-language models (CLIP, SigLIP, DINOv2, MAE).",
            ["ViT->vit"],
            id="real: mixed-case acronym",
        ),
        pytest.param(
            "It preserves much of full fine-tuning's quality while reducing memory, compute, "
            "and storage costs.",
            [],
            id="real: RAG not in storage",
        ),
        pytest.param("Invertible blocks reduce activation storage.", [], id="real: storage"),
        pytest.param("Teams leverage RAG pipelines.", ["RAG->rag"], id="leverage"),
        pytest.param("Teams leverage retrieval.", [], id="RAG not in leverage"),
        pytest.param("Many RAGs and LLMs.", [], id="no plural"),
        pytest.param("A pre-RAG step, a multi-LoRA server.", [], id="no hyphenated prefix"),
        pytest.param("A rag and a lora.", [], id="acronyms are case-sensitive"),
        pytest.param("A RAG-based pipeline.", ["RAG->rag"], id="RAG-based"),
        pytest.param("Tune LoRA_rank and lora.", [], id="snake_case and lowercase acronym"),
        pytest.param("A \\RAG macro.", [], id="backslash before"),
        pytest.param("Use _LoRA_ adapters.", ["LoRA->lora"], id="underscore emphasis"),
        pytest.param("Use **LoRA** adapters.", ["LoRA->lora"], id="bold"),
        pytest.param("C++11 is newer.", [], id="name ending in punctuation"),
        pytest.param("Set top-p or Top p, or TOP‐P.", ["top-p->nucleus-sampling"], id="top-p"),
        pytest.param(
            "Low-Rank Adaptation (LoRA) adds adapters; LoRA is cheap.",
            ["Low-Rank Adaptation (LoRA)->lora"],
            id="longest: title with acronym",
        ),
        pytest.param(
            "retrieval augmented\ngeneration (RAG) helps.",
            ["retrieval augmented\ngeneration (RAG)->rag"],
            id="line break inside a name",
        ),
        pytest.param(
            "retrieval augmented\n\ngeneration helps.", [], id="no name across paragraphs"
        ),
        pytest.param("Dropout, dropout and DROPOUT.", ["Dropout->dropout"], id="ordinary word"),
        pytest.param("Dropouts and dropout2 are not.", [], id="whole words only"),
        pytest.param("ML and KV are short; KV cache is not.", ["KV cache->kv-caching"], id="short"),
    ],
)
def test_links_in_prose(text: str, expected: list[str]) -> None:
    assert links(text) == expected


@pytest.mark.parametrize(
    "dash", ["-", "\u2010", "\u2011", "\u2012", "\u2013", "\u2014", "\u2015", "\u2212"]
)
def test_any_hyphen_or_dash_between_words(dash: str) -> None:
    text = f"Use Low{dash}Rank Adaptation and mixed{dash}precision."
    assert links(text) == [
        f"Low{dash}Rank Adaptation->lora",
        f"mixed{dash}precision->mixed-precision-training",
    ]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("```\nRAG uses LoRA.\n```", id="backtick fence"),
        pytest.param("~~~python\nRAG = LoRA()\n~~~", id="tilde fence with language"),
        pytest.param("````md\n```\nRAG\n```\nLoRA\n````", id="longer fence holds a shorter one"),
        pytest.param("- item\n\n    ```\n    RAG\n    ```", id="fence in a list item"),
        pytest.param("> ```\n> RAG\n> ```", id="fence in a quote"),
        pytest.param("```\nRAG\n\nLoRA is never closed", id="unclosed fence"),
        pytest.param("Use `RAG` or ``a ` LoRA``.", id="inline code"),
        pytest.param("## RAG\n### LoRA\n#vLLM", id="headings"),
        pytest.param("See [RAG](https://example.com/LoRA) and ![LoRA](lora.png).", id="links"),
        pytest.param("See [RAG][rag], [LoRA][] and [[vLLM]].\n\n[rag]: https://x/RAG", id="refs"),
        pytest.param("Footnote[^RAG].\n\n*[LoRA]: Low-Rank Adaptation", id="footnote, abbr"),
        pytest.param("<https://example.com/RAG> <a@LoRA.org>", id="autolinks"),
        pytest.param("See https://example.com/RAG_(LoRA) or www.vLLM.ai.", id="bare URLs"),
        pytest.param("<!-- source: glossary-implementation.txt:38 -->", id="real source marker"),
        pytest.param("Text <!-- RAG\n\nLoRA --> end.", id="comment over lines"),
        pytest.param("<!--\n## Notes\nRAG\n-->", id="comment block"),
        pytest.param('<span title="RAG">x</span> <a href="#">LoRA</a>', id="HTML tags"),
        pytest.param("<div>\nRAG\n\nLoRA\n</div>", id="HTML block"),
        pytest.param("Loss $RAG + LoRA$ and $$\nvLLM\n$$ and \\[ RAG \\]", id="math"),
        pytest.param('!!! warning "RAG"\n??? note "LoRA"\n=== "vLLM"', id="admonition titles"),
        pytest.param("---\ntitle: RAG\naliases: [LoRA]\n---\n", id="front matter"),
    ],
)
def test_never_links_inside(text: str) -> None:
    assert link(text) == (text, [])


def test_text_around_protected_parts_is_linked() -> None:
    text = (
        "---\ntitle: x\n---\nRAG `RAG` RAG\n\n```\nLoRA\n```\n"
        "<!-- source: a.txt:1 -->\nLoRA\n\n!!! note\n\n    vLLM in an admonition."
    )
    assert links(text) == ["RAG->rag", "LoRA->lora", "vLLM->vllm"]


def test_first_mention_per_section() -> None:
    text = "Intro RAG, RAG.\n\n## What\n\nRAG and LoRA.\n\n### Detail\n\nRAG.\n\n## How\n\nRAG."
    out, slugs = link(text)
    assert out == (
        "Intro [RAG](rag.md), RAG.\n\n## What\n\n[RAG](rag.md) and [LoRA](lora.md).\n\n"
        "### Detail\n\nRAG.\n\n## How\n\n[RAG](rag.md)."
    )
    assert slugs == ["rag", "lora"]


def test_any_name_of_a_topic_counts_as_its_mention() -> None:
    assert links("Retrieval-Augmented Generation, that is RAG.") == [
        "Retrieval-Augmented Generation->rag"
    ]


def test_a_page_never_links_to_itself() -> None:
    text = "Chain-of-Thought Monitorability relies on a Chain-of-Thought and LoRA."
    assert links(text, self_slug="cot-monitorability") == [
        "Chain-of-Thought->chain-of-thought",
        "LoRA->lora",
    ]
    # The page's own title covers its text: the shorter name inside is not linked.
    assert links("Chain-of-Thought Monitorability.", self_slug="cot-monitorability") == []
    assert links("SAM is ambiguous here too.", self_slug="sam-segment") == []


def test_brackets_in_a_mention_are_escaped() -> None:
    linker = Linker([LinkTarget("Array[int Trick", "trick")])
    out, slugs = linker.link("The array[int trick works.", "page", lambda s: f"{s}.md")
    assert out == "The [array\\[int trick](trick.md) works."
    assert slugs == ["trick"]


def test_destination_with_spaces_is_wrapped() -> None:
    out, _ = LINKER.link("RAG", "page", lambda s: f"../{s} page.md")
    assert out == "[RAG](<../rag page.md>)"


def test_names_without_letters_or_too_short_are_ignored() -> None:
    linker = Linker([LinkTarget("1-3", "a"), LinkTarget("AI", "b"), LinkTarget("  ", "c")])
    assert linker.link("1-3 AI", "page", str) == ("1-3 AI", [])


PIECES = [
    "RAG", "LoRA", "storage", "mixed", "precision", "Low-Rank", "Adaptation", "(LoRA)", " ",
    "\n", "\n\n", "`", "``", "[", "]", "(", ")", "#", "## ", "-", "\u2011", "<!--", "-->",
    "```", "~~~", "$", "\\", "<", ">", "<a>", "</a>", "_", "*", "http://", "!!! ", "---",
]  # fmt: skip


@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_linking_only_adds_links(text: str) -> None:
    out, slugs = LINKER.link(text, "page", lambda slug: f"\0{slug}\0")
    made = re.findall(r"\[((?:\\.|[^\[\]\\])*)\]\(\0([^\0]*)\0\)", out)
    assert re.sub(r"\[((?:\\.|[^\[\]\\])*)\]\(\0[^\0]*\0\)", r"\1", out) == text
    assert list(dict.fromkeys(slug for _, slug in made)) == slugs


def test_scale_ten_thousand_topics() -> None:
    syllables = ["ka", "lo", "mi", "ra", "te", "su", "no", "vi", "de", "pa"]

    def word(n: int) -> str:
        return "".join(syllables[int(d)] for d in f"{n:04d}")

    def title(i: int) -> str:
        return f"{word(i).capitalize()} {word(9999 - i)} Transform"

    linker = Linker(
        LinkTarget(name, f"t{i}")
        for i in range(10_000)
        for name in [title(i), f"SYN{i}X", f"{title(i)} Loss", word(i) * 2, f"{word(i)} Net"]
    )
    chosen = range(0, 10_000, 11)
    parts, expected = [], []
    for n, i in enumerate(chosen):
        if n % 100 == 0:
            parts.append(f"\n\n## Part {n // 100}\n\n")
        # The title spelled loosely, the acronym, or a near miss (a title missing a word).
        first = [title(i).lower().replace(" ", "-"), f"SYN{i}X", f"{word(i)} Loss"][n % 3]
        parts.append(f"The model uses {first}, and then SYN{i}X again. ")
        if i:
            expected.append(f"[{first if n % 3 < 2 else f'SYN{i}X'}](t{i}.md)")
    text = "".join(parts)
    assert len(text) > 50_000

    out, slugs = linker.link(text, "t0", lambda s: f"{s}.md")
    assert re.findall(r"\[[^\]]*\]\([^)]*\)", out) == expected
    assert slugs == [f"t{i}" for i in chosen if i]
    assert LINK.sub(r"\1", out) == text


def test_a_name_links_in_the_other_number_unless_another_topic_has_that_spelling() -> None:
    from kbgen.records import Topic
    from kbgen.render import link_targets
    from kbgen.terms import number_variants

    assert number_variants("LLM") == ["LLMs"] and number_variants("LLMs") == ["LLM"]
    assert number_variants("Diffusion Models") == ["Diffusion Model"]
    assert number_variants("KV cache") == ["KV caches"]
    assert number_variants("Loss") == [] and number_variants("Mixture of Experts (MoE)") == []
    topics = [
        Topic("dm", "Diffusion Models"),
        Topic("tr", "Transformer"),
        Topic("trs", "Transformers", aliases=["HF Transformers"]),
    ]
    names = {(t.name, t.slug) for t in link_targets(topics)}
    assert ("Diffusion Model", "dm") in names
    # `Transformers` is another topic's title: the variant would make it ambiguous.
    assert ("Transformers", "tr") not in names and ("Transformers", "trs") in names
    text, linked = Linker(link_targets(topics)).link("A diffusion model.", "x", str)
    assert linked == ["dm"] and text == "A [diffusion model](dm)."
