"""A generated technical book the size of a real one, kept as a GitBook folder, to measure
`publish build` at the scale of the books it is made for (issue 11 §7).

    python benchmarks/techbook.py OUT [--chapters 24] [--sections 7] [--seed 11]

The default is 200 files: `README.md`, 24 chapters in 6 parts (each a `README.md` and 7
section files) and an appendix with 6 sections; 1,307 A5 pages. Each section has a
`## 3.2 …` first heading and `### 3.2.1 …` subsections, prose taken in order from 三国演义
(`../shared/corpus/`, else the sample manuscript) with the Latin terms of a technical book
mixed in, code blocks in ten languages (Chinese comments, some lines longer than the
measure), tables, lists, GitHub alerts and `:::` callouts, cross-file links with `#anchors`,
and in some sections a formula or a figure from `_images/` (PNG diagrams, JPEG "screenshots",
drawn with Pillow at the sizes books carry). No mermaid diagrams: their renderer would be
timed instead of the layout.

Everything comes from a seeded `random.Random` and Pillow, without network, so two runs with
the same arguments write the same bytes.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from publish.readers.slugs import slug  # noqa: E402

#: Where the corpus may be: beside the project, or beside the folder of worktrees.
CORPORA = [
    ROOT.parent / "shared" / "corpus" / "sanguo-yanyi.txt",
    ROOT.parent.parent / "shared" / "corpus" / "sanguo-yanyi.txt",
]

PARTS = ["基础篇", "容器与编排", "服务与网络", "数据与存储", "可观测性", "工程实践"]
TOPICS = [
    ("环境准备", "setup"),
    ("第一个程序", "hello"),
    ("语言基础", "basics"),
    ("并发模型", "concurrency"),
    ("容器镜像", "image"),
    ("Dockerfile 编写", "dockerfile"),
    ("Kubernetes 入门", "kubernetes"),
    ("工作负载", "workloads"),
    ("服务发现", "discovery"),
    ("HTTP 与 gRPC", "rpc"),
    ("服务网格", "mesh"),
    ("网关与限流", "gateway"),
    ("关系数据库", "sql"),
    ("缓存设计", "cache"),
    ("消息队列", "queue"),
    ("对象存储", "storage"),
    ("日志", "logging"),
    ("指标与告警", "metrics"),
    ("链路追踪", "tracing"),
    ("性能剖析", "profiling"),
    ("持续集成", "ci"),
    ("测试策略", "testing"),
    ("安全加固", "security"),
    ("发布与回滚", "release"),
]
SECTION_KINDS = [
    "概述",
    "安装与配置",
    "核心概念",
    "动手实践",
    "进阶用法",
    "性能调优",
    "故障排查",
    "最佳实践",
    "小结",
]
SUBSECTION_KINDS = ["背景", "原理", "示例", "常见问题", "配置项", "注意事项", "延伸阅读"]
TERMS = [
    "Kubernetes",
    "Pod",
    "Deployment",
    "container",
    "HTTP/2",
    "gRPC",
    "TLS",
    "CPU",
    "goroutine",
    "JSON",
    "YAML",
    "Prometheus",
    "OpenTelemetry",
    "etcd",
    "Redis",
    "PostgreSQL",
    "Kafka",
    "S3",
    "CI/CD",
    "GitHub Actions",
    "API",
    "SDK",
    "namespace",
    "sidecar",
    "Envoy",
    "nginx",
    "cgroup",
    "overlay filesystem",
    "service mesh",
    "load balancer",
]
TERM_FRAMES = ["（{t}）", " {t} ", "（即 {t}）", "，借助 {t}，", "，在 {t} 中，"]
CALLOUTS = ["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"]
LANGUAGES = ["python", "go", "rust", "yaml", "json", "bash", "dockerfile", "javascript", "sql", "c"]
FORMULAS = [
    r"T = \frac{N}{\lambda}",
    r"p_{99} = \inf\{x : F(x) \ge 0.99\}",
    r"\sum_{i=1}^{n} w_i x_i + b",
    r"E[X] = \int_{-\infty}^{\infty} x f(x)\,dx",
    r"U = \rho = \frac{\lambda}{\mu}",
]


# --- text ----------------------------------------------------------------------------------


class Prose:
    """Paragraphs of the corpus in order, with Latin terms of a technical book put in."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.paragraphs = _corpus_paragraphs()
        self.cursor = 0

    def paragraph(self, size: int) -> str:
        """About `size` characters: corpus paragraphs in order, joined or cut at a 。."""
        text = ""
        while len(text) < size:
            text += self.paragraphs[self.cursor % len(self.paragraphs)]
            self.cursor += 1
        cut = text.find("。", size)
        text = text[: cut + 1] if cut > 0 else text
        return self._with_terms(text)

    def _with_terms(self, text: str) -> str:
        pieces = re.split(r"(，)", text)
        out = []
        for piece in pieces:
            if piece == "，" and self.rng.random() < 0.18:
                term = self.rng.choice(TERMS)
                frame = self.rng.choice(TERM_FRAMES)
                out.append(frame.format(t=f"`{term}`" if self.rng.random() < 0.3 else term))
                if not frame.endswith("，"):
                    out.append("，")
            else:
                out.append(piece)
        return "".join(out)


def _corpus_paragraphs() -> list[str]:
    for corpus in CORPORA:
        if corpus.exists():
            lines = corpus.read_text(encoding="utf-8").splitlines()
            break
    else:  # no corpus beside the project: the sample's chapters
        lines = []
        for chapter in sorted((ROOT / "manuscript").glob("*.md")):
            lines += chapter.read_text(encoding="utf-8").splitlines()
    paragraphs = []
    for line in lines:
        line = line.strip()
        # Chapter titles (第一回 …), verse lines and Markdown markup are left out.
        if len(line) < 40 or line.startswith(("第", "#", "!", "[", "|", "-", "*", ">")):
            continue
        paragraphs.append(line)
    return paragraphs


# --- code -----------------------------------------------------------------------------------


def code_block(rng: random.Random, language: str, name: str, long_line: bool) -> str:
    """A plausible listing of 12–40 lines in `language`, with Chinese comments."""
    lines = CODE[language](rng, name)
    if long_line:
        long = {
            "python": f'    logger.info("处理请求 %s 完成，耗时 %.3f 秒，返回 {name} 的结果共 %d 条记录", request_id, elapsed, len(rows))',  # noqa: E501
            "go": f'\tlog.Printf("处理 {name} 请求失败：status=%d, retry=%d, err=%v, 请检查上游服务的健康状态", status, retry, err)',  # noqa: E501
            "rust": f'    let message = format!("{name}: 连接 {{}} 超时（已重试 {{}} 次），请检查网络策略与 DNS 配置", addr, retries);',  # noqa: E501
            "yaml": f'        command: ["/bin/sh", "-c", "exec /usr/local/bin/{name} --config=/etc/{name}/config.yaml --log-level=info --metrics-addr=:9090"]',  # noqa: E501
            "json": f'  "description": "{name} 服务的默认配置，修改前请阅读第 3 章关于配置热加载（hot reload）与回滚策略的说明",',  # noqa: E501
            "bash": f"docker run --rm -it --name {name} -p 8080:8080 -v $(pwd)/config:/etc/{name} -e TZ=Asia/Shanghai registry.example.com/{name}:latest",  # noqa: E501
            "dockerfile": f"RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl tzdata && rm -rf /var/lib/apt/lists/*  # 安装 {name} 运行所需的依赖",  # noqa: E501
            "javascript": f"  const response = await fetch(`${{baseUrl}}/api/v1/{name}?page=${{page}}&size=${{size}}`, {{ headers: {{ Authorization: `Bearer ${{token}}` }} }}); // 带上令牌",  # noqa: E501
            "sql": f"SELECT o.id, o.created_at, c.name AS customer, SUM(i.price * i.quantity) AS total FROM {name}_orders o JOIN customers c ON c.id = o.customer_id JOIN items i ON i.order_id = o.id GROUP BY o.id, c.name;",  # noqa: E501
            "c": f'    fprintf(stderr, "{name}: 无法打开文件 %s（errno=%d），请确认路径存在且进程有读权限\\n", path, errno);',  # noqa: E501
        }[language]
        lines.insert(len(lines) // 2, long)
    return f"```{language}\n" + "\n".join(lines) + "\n```"


def _python(rng: random.Random, name: str) -> list[str]:
    fields = rng.sample(["id", "name", "status", "created_at", "owner", "size", "region"], 4)
    return [
        f'"""{name} 模块：演示如何读取配置并处理请求。"""',
        "",
        "import json",
        "import logging",
        "from dataclasses import dataclass",
        "",
        "logger = logging.getLogger(__name__)",
        "",
        "",
        "@dataclass",
        f"class {name.title().replace('_', '')}Record:",
        *[f"    {f}: str  # 字段：{f}" for f in fields],
        "",
        "",
        f"def load_{name}(path: str) -> list[dict]:",
        '    """读取 JSON 文件，返回记录列表。"""',
        '    with open(path, encoding="utf-8") as f:',
        "        data = json.load(f)",
        "    # 过滤掉没有 id 的记录",
        f'    rows = [r for r in data if r.get("{fields[0]}")]',
        '    logger.info("读取 %d 条记录", len(rows))',
        "    return rows",
        "",
        "",
        'if __name__ == "__main__":',
        f'    for row in load_{name}("{name}.json"):',
        "        print(row)",
    ]


def _go(rng: random.Random, name: str) -> list[str]:
    port = rng.choice([8080, 8081, 9000, 3000])
    return [
        "package main",
        "",
        "import (",
        '\t"fmt"',
        '\t"log"',
        '\t"net/http"',
        '\t"time"',
        ")",
        "",
        f"// {name}Handler 处理 /{name} 请求，返回当前时间",
        f"func {name}Handler(w http.ResponseWriter, r *http.Request) {{",
        "\tstart := time.Now()",
        '\tfmt.Fprintf(w, "hello, %s\\n", r.URL.Path[1:])',
        '\tlog.Printf("耗时 %v", time.Since(start))',
        "}",
        "",
        "func main() {",
        f'\thttp.HandleFunc("/{name}", {name}Handler)',
        f"\t// 监听 {port} 端口",
        f'\tlog.Fatal(http.ListenAndServe(":{port}", nil))',
        "}",
    ]


def _rust(rng: random.Random, name: str) -> list[str]:
    n = rng.randint(3, 9)
    return [
        "use std::collections::HashMap;",
        "",
        f"/// {name}：统计每个单词出现的次数",
        f"fn {name}(text: &str) -> HashMap<&str, usize> {{",
        "    let mut counts = HashMap::new();",
        "    for word in text.split_whitespace() {",
        "        // 没有的键先插入 0",
        "        *counts.entry(word).or_insert(0) += 1;",
        "    }",
        "    counts",
        "}",
        "",
        "fn main() {",
        '    let text = "the quick brown fox jumps over the lazy dog";',
        f"    let counts = {name}(text);",
        f"    for (word, count) in counts.iter().take({n}) {{",
        '        println!("{word}: {count}");',
        "    }",
        "}",
    ]


def _yaml(rng: random.Random, name: str) -> list[str]:
    replicas = rng.randint(2, 6)
    return [
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        f"  name: {name}",
        "  labels:",
        f"    app: {name}",
        "spec:",
        f"  replicas: {replicas}  # 副本数",
        "  selector:",
        "    matchLabels:",
        f"      app: {name}",
        "  template:",
        "    metadata:",
        "      labels:",
        f"        app: {name}",
        "    spec:",
        "      containers:",
        f"        - name: {name}",
        f"          image: registry.example.com/{name}:1.{rng.randint(0, 20)}.0",
        "          ports:",
        "            - containerPort: 8080",
        "          resources:",
        "            limits:",
        '              cpu: "500m"     # 半个 CPU',
        '              memory: "256Mi"',
    ]


def _json(rng: random.Random, name: str) -> list[str]:
    return [
        "{",
        f'  "name": "{name}",',
        f'  "version": "{rng.randint(1, 4)}.{rng.randint(0, 9)}.{rng.randint(0, 20)}",',
        '  "server": {',
        '    "host": "0.0.0.0",',
        f'    "port": {rng.choice([8080, 9090, 3000])},',
        '    "timeout": "30s"',
        "  },",
        '  "database": {',
        '    "dsn": "postgres://app:secret@db:5432/app?sslmode=disable",',
        f'    "max_open_conns": {rng.choice([10, 20, 50])}',
        "  },",
        '  "features": ["metrics", "tracing", "pprof"]',
        "}",
    ]


def _bash(rng: random.Random, name: str) -> list[str]:
    return [
        "#!/usr/bin/env bash",
        "set -euo pipefail",
        "",
        f"# 构建并推送 {name} 镜像",
        f"IMAGE=registry.example.com/{name}",
        "TAG=$(git rev-parse --short HEAD)",
        "",
        'docker build -t "$IMAGE:$TAG" .',
        'docker push "$IMAGE:$TAG"',
        "",
        "# 更新集群中的镜像版本",
        f'kubectl set image deployment/{name} {name}="$IMAGE:$TAG"',
        f"kubectl rollout status deployment/{name} --timeout=120s",
        f'echo "已发布 {name}:$TAG"',
    ]


def _dockerfile(rng: random.Random, name: str) -> list[str]:
    go = rng.choice(["1.21", "1.22", "1.23"])
    return [
        f"# 第一阶段：编译 {name}",
        f"FROM golang:{go} AS build",
        "WORKDIR /src",
        "COPY go.mod go.sum ./",
        "RUN go mod download",
        "COPY . .",
        f"RUN CGO_ENABLED=0 go build -o /out/{name} ./cmd/{name}",
        "",
        "# 第二阶段：最小运行镜像",
        "FROM gcr.io/distroless/static",
        f"COPY --from=build /out/{name} /{name}",
        "USER nonroot:nonroot",
        "EXPOSE 8080",
        f'ENTRYPOINT ["/{name}"]',
    ]


def _javascript(rng: random.Random, name: str) -> list[str]:
    return [
        "import express from 'express';",
        "",
        "const app = express();",
        "app.use(express.json());",
        "",
        f"// 返回 {name} 列表，支持分页",
        f"app.get('/api/{name}', async (req, res) => {{",
        "  const page = Number(req.query.page ?? 1);",
        "  const size = Math.min(Number(req.query.size ?? 20), 100);",
        f"  const items = await db.{name}.findMany({{ skip: (page - 1) * size, take: size }});",
        "  res.json({ page, size, items });",
        "});",
        "",
        f"app.listen({rng.choice([3000, 8080])}, () => console.log('服务已启动'));",
    ]


def _sql(rng: random.Random, name: str) -> list[str]:
    return [
        f"-- {name} 表：记录每一次请求",
        f"CREATE TABLE {name} (",
        "    id          BIGSERIAL PRIMARY KEY,",
        "    user_id     BIGINT NOT NULL,",
        "    path        TEXT NOT NULL,",
        "    status      SMALLINT NOT NULL,",
        "    latency_ms  INTEGER NOT NULL,",
        "    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()",
        ");",
        "",
        "-- 按时间查询时需要的索引",
        f"CREATE INDEX {name}_created_at_idx ON {name} (created_at);",
        "",
        f"SELECT path, percentile_cont(0.{rng.choice([9, 95, 99])}) WITHIN GROUP (ORDER BY latency_ms)",  # noqa: E501
        f"FROM {name} WHERE created_at > now() - interval '1 hour' GROUP BY path;",
    ]


def _c(rng: random.Random, name: str) -> list[str]:
    size = rng.choice([256, 1024, 4096])
    return [
        "#include <stdio.h>",
        "#include <stdlib.h>",
        "#include <errno.h>",
        "",
        f"/* {name}：逐行读取文件并统计行数 */",
        f"static long {name}(const char *path) {{",
        '    FILE *f = fopen(path, "r");',
        "    if (f == NULL) {",
        "        return -1;  /* 打开失败 */",
        "    }",
        f"    char line[{size}];",
        "    long count = 0;",
        "    while (fgets(line, sizeof line, f) != NULL) {",
        "        count++;",
        "    }",
        "    fclose(f);",
        "    return count;",
        "}",
    ]


CODE = {
    "python": _python,
    "go": _go,
    "rust": _rust,
    "yaml": _yaml,
    "json": _json,
    "bash": _bash,
    "dockerfile": _dockerfile,
    "javascript": _javascript,
    "sql": _sql,
    "c": _c,
}


# --- images ---------------------------------------------------------------------------------


def diagram_png(path: Path, rng: random.Random, label: str) -> None:
    """An architecture diagram: boxes, arrows and Latin labels on white, 1200–1600 px wide."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = rng.choice([(1200, 700), (1400, 800), (1600, 900)])
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    columns, rows = rng.randint(3, 5), rng.randint(2, 3)
    boxes = []
    for row in range(rows):
        for column in range(columns):
            x = 60 + column * (width - 120) // columns
            y = 80 + row * (height - 160) // rows
            box = (x, y, x + (width - 120) // columns - 60, y + (height - 160) // rows - 80)
            shade = rng.choice(["#dde8f5", "#e8f0dd", "#f5e8dd", "#eeeeee"])
            draw.rounded_rectangle(box, radius=14, fill=shade, outline="#333333", width=3)
            draw.text((box[0] + 16, box[1] + 16), f"{label}-{row}{column}", fill="black", font=font)
            boxes.append(box)
    for a, b in zip(boxes, boxes[1:], strict=False):
        draw.line(((a[2], (a[1] + a[3]) // 2), (b[0], (b[1] + b[3]) // 2)), fill="#333333", width=3)
    image.save(path, optimize=False)


def screenshot_jpeg(path: Path, rng: random.Random, label: str) -> None:
    """A "screenshot": a window with a noisy, photo-like area, 1600×1000, JPEG quality 85."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = 1600, 1000
    noise = Image.effect_noise((width, height), rng.randint(20, 60)).convert("RGB")
    tint = Image.new("RGB", (width, height), rng.choice(["#204060", "#406020", "#603020"]))
    image = Image.blend(noise, tint, 0.55)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 56), fill="#e0e0e0")
    font = ImageFont.load_default(size=30)
    draw.text((24, 12), f"{label} - dashboard", fill="black", font=font)
    for line in range(12):
        y = 110 + line * 60
        draw.rectangle((60, y, 60 + rng.randint(300, 1400), y + 28), fill="#f0f0f0")
    image.save(path, quality=85)


# --- the book -------------------------------------------------------------------------------


@dataclass
class Section:
    path: str  # relative to the book folder
    number: str  # "3.2"
    title: str
    subsections: list[str] = field(default_factory=list)  # "3.2.1 …"

    @property
    def heading(self) -> str:
        return f"{self.number} {self.title}"


@dataclass
class ChapterPlan:
    folder: str
    number: str  # "3" or "A"
    title: str
    part: str | None
    sections: list[Section] = field(default_factory=list)

    @property
    def readme(self) -> str:
        return f"{self.folder}/README.md"


def outline(chapters: int, sections: int, appendix: int = 6) -> list[ChapterPlan]:
    """The book's chapters and sections, their files, numbers and titles."""
    plans = []
    per_part = max(1, chapters // len(PARTS))
    for index in range(chapters):
        topic, key = TOPICS[index % len(TOPICS)]
        number = str(index + 1)
        part = PARTS[min(index // per_part, len(PARTS) - 1)]
        plan = ChapterPlan(f"{index + 1:02d}_{key}", number, topic, part)
        for s in range(sections):
            kind = SECTION_KINDS[s % len(SECTION_KINDS)]
            path, title = f"{plan.folder}/{s + 1:02d}.md", f"{topic}{kind}"
            section = Section(path, f"{number}.{s + 1}", title)
            for k in range(3):
                sub = SUBSECTION_KINDS[(s + k) % len(SUBSECTION_KINDS)]
                section.subsections.append(f"{section.number}.{k + 1} {sub}")
            plan.sections.append(section)
        plans.append(plan)
    back = ChapterPlan("appendix", "A", "附录", None)
    titles = ["命令速查", "配置参考", "错误码", "术语表", "参考资料", "版本历史"]
    for s, title in enumerate(titles[:appendix]):
        section = Section(f"appendix/{s + 1:02d}.md", f"A.{s + 1}", title)
        section.subsections = [f"A.{s + 1}.{k + 1} {SUBSECTION_KINDS[k]}" for k in range(2)]
        back.sections.append(section)
    plans.append(back)
    return plans


def relative(source: str, target: str) -> str:
    """The link from file `source` to file `target`, both relative to the book folder."""
    up = "../" * source.count("/")
    return up + target


class Writer:
    """Writes the book's files; every choice comes from `rng`."""

    def __init__(self, out: Path, plans: list[ChapterPlan], rng: random.Random):
        self.out, self.plans, self.rng = out, plans, rng
        self.prose = Prose(rng)
        self.sections = [s for plan in plans for s in plan.sections]
        self.figures = 0

    def write(self) -> int:
        """Write every file; the number of Markdown files written."""
        (self.out / "_images").mkdir(parents=True)
        files = [self._file("README.md", self._introduction())]
        for plan in self.plans:
            (self.out / plan.folder).mkdir()
            files.append(self._file(plan.readme, self._chapter_readme(plan)))
            for section in plan.sections:
                files.append(self._file(section.path, self._section(plan, section)))
        self._file("SUMMARY.md", self._summary())
        book = {
            "title": "云原生应用开发实战",
            "author": "基准测试",
            "description": "publish 的基准测试用书：一本生成的技术书。",
            "language": "zh-hans",
            "publisher": "示例出版社",
        }
        (self.out / "book.json").write_text(
            json.dumps(book, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
        return len(files)

    def _file(self, path: str, text: str) -> str:
        (self.out / path).write_text(text, encoding="utf-8")
        return path

    def _summary(self) -> str:
        lines = ["# Summary", "", "* [前言](README.md)", ""]
        part = None
        for plan in self.plans:
            if plan.part != part:
                part = plan.part
                lines += ["", f"## {part}" if part else "---", ""]
            lines.append(f"* [第 {plan.number} 章 {plan.title}]({plan.readme})")
            if plan.number == "A":
                lines[-1] = f"* [附录]({plan.readme})"
            for section in plan.sections:
                lines.append(f"    * [{section.heading}]({section.path})")
        return "\n".join(lines) + "\n"

    def _introduction(self) -> str:
        parts = [
            "# 前言",
            "",
            self.prose.paragraph(260),
            "",
            "本书分为六个部分：",
            "",
            *[f"- **{part}**" for part in PARTS],
            "",
            self.prose.paragraph(200),
            "",
            f"从[第 1 章]({self.plans[0].readme})开始阅读即可。",
        ]
        return "\n".join(parts) + "\n"

    def _chapter_readme(self, plan: ChapterPlan) -> str:
        title = "附录" if plan.number == "A" else f"第 {plan.number} 章 {plan.title}"
        lines = [f"# {title}", "", self.prose.paragraph(300), "", "本章内容："]
        lines += [""] + [f"- [{s.heading}]({relative(plan.readme, s.path)})" for s in plan.sections]
        return "\n".join(lines) + "\n"

    def _link(self, source: str) -> str:
        """A sentence with a link to another section, to its file or one of its headings."""
        target = self.rng.choice(self.sections)
        href = relative(source, target.path)
        if target.subsections and self.rng.random() < 0.6:
            sub = self.rng.choice(target.subsections)
            return f"详见 [{sub.split()[0]} 节]({href}#{slug(sub)})。"
        return f"参见[{target.heading}]({href})。"

    def _section(self, plan: ChapterPlan, section: Section) -> str:
        rng = self.rng
        out = [f"## {section.heading}", "", self.prose.paragraph(rng.randint(250, 420)), ""]
        appendix = plan.number == "A"
        for index, sub in enumerate(section.subsections):
            out += [f"### {sub}", ""]
            out += [self.prose.paragraph(rng.randint(150, 300)), ""]
            if appendix:
                out += [self._table(rows=rng.randint(12, 24)), ""]
                continue
            language = rng.choice(LANGUAGES)
            name = re.sub(r"\W", "_", rng.choice(TERMS).lower()).strip("_") or "app"
            out += [code_block(rng, language, name, long_line=rng.random() < 0.3), ""]
            out += [self.prose.paragraph(rng.randint(100, 220)), ""]
            if index == 0:
                out += [self._list(), ""]
            if index == 1 and rng.random() < 0.6:
                out += [self._table(rows=rng.randint(4, 9)), ""]
            if index == 1 and rng.random() < 0.5:
                out += [self._figure(section), ""]
            if index == 2:
                out += [self._callout(), ""]
            if rng.random() < 0.12:
                formula = rng.choice(FORMULAS)
                out += [f"其中的关系可以写成 ${formula}$，化为块公式：", "", f"$${formula}$$", ""]
            out += [self._link(section.path), ""]
        return "\n".join(out)

    def _list(self) -> str:
        items = []
        ordered = self.rng.random() < 0.4
        for n in range(self.rng.randint(3, 6)):
            mark = f"{n + 1}." if ordered else "-"
            items.append(f"{mark} {self.prose.paragraph(self.rng.randint(30, 90))}")
            if self.rng.random() < 0.25:
                items.append(f"   - `{self.rng.choice(TERMS)}`：{self.prose.paragraph(30)}")
        return "\n".join(items)

    def _table(self, rows: int) -> str:
        header = "| 参数 | 类型 | 默认值 | 说明 |\n| --- | --- | --- | --- |"
        body = []
        for _ in range(rows):
            name = self.rng.choice(TERMS).lower().replace(" ", "-").replace("/", "-")
            kind = self.rng.choice(["string", "int", "bool", "duration", "list"])
            default = self.rng.choice(["`true`", "`30s`", "`8080`", '`""`', "`[]`", "—"])
            body.append(f"| `{name}` | {kind} | {default} | {self.prose.paragraph(24)} |")
        return header + "\n" + "\n".join(body)

    def _callout(self) -> str:
        text = self.prose.paragraph(self.rng.randint(60, 140))
        if self.rng.random() < 0.3:
            return f"::: tip\n{text}\n:::"
        return f"> [!{self.rng.choice(CALLOUTS)}]\n> {text}"

    def _figure(self, section: Section) -> str:
        self.figures += 1
        label = section.number.replace(".", "-")
        if self.figures % 3 == 0:
            name = f"screen-{label}.jpg"
            screenshot_jpeg(self.out / "_images" / name, self.rng, label)
        else:
            name = f"fig-{label}.png"
            diagram_png(self.out / "_images" / name, self.rng, label)
        href = relative(section.path, f"_images/{name}")
        return f"![图 {label} {section.title}]({href})"


def generate(
    out: Path, chapters: int = 24, sections: int = 7, seed: int = 11, appendix: int = 6
) -> int:
    """Write the book into `out` (replaced if it exists): `chapters` chapters of `sections`
    section files and an appendix of `appendix` (at most 6). The number of Markdown files."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    return Writer(out, outline(chapters, sections, appendix), random.Random(seed)).write()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="the book folder to write (replaced)")
    parser.add_argument("--chapters", type=int, default=24)
    parser.add_argument("--sections", type=int, default=7, help="section files per chapter")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    files = generate(args.out, args.chapters, args.sections, args.seed)
    print(f"{args.out}: {files} Markdown files and SUMMARY.md")


if __name__ == "__main__":
    main()
