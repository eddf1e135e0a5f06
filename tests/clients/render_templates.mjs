// Renders every chat template of a folder (and qforge's built-in templates) with each conversation of
// conversations.json, once with the reference renderer @huggingface/jinja and once with qforge's
// render_chat_template, and compares the bytes. Where the reference raises, qforge must raise too.
//
//   node render_templates.mjs FIXTURES_DIR RENDER_CHAT_TEMPLATE
//
// Prints one line per (template, conversation); exits 1 on any mismatch, showing the first differing byte.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [fixturesDir, tool] = process.argv.slice(2);
if (!fixturesDir || !tool) {
    console.error("usage: node render_templates.mjs FIXTURES_DIR RENDER_CHAT_TEMPLATE");
    process.exit(2);
}

let Template;
try {
    ({ Template } = await import("@huggingface/jinja"));
} catch (e) {
    console.error(`FAIL: cannot load @huggingface/jinja (${e.code ?? e.message}).`);
    console.error("tests/clients/node_modules is missing or stale: run scripts/setup.sh (it runs `npm ci` in tests/clients).");
    process.exit(1);
}

// Deterministic clock for strftime_now(): both renderers see 2024-07-26 10:30:00 UTC.
const FIXED_EPOCH_SECONDS = 1721989800;
process.env.TZ = "UTC";
const RealDate = Date;
globalThis.Date = class extends RealDate {
    constructor(...args) {
        super(...(args.length ? args : [FIXED_EPOCH_SECONDS * 1000]));
    }
    static now() {
        return FIXED_EPOCH_SECONDS * 1000;
    }
};
const month = new Intl.DateTimeFormat(undefined, { month: "short" }).format(new RealDate(FIXED_EPOCH_SECONDS * 1000));
if (month !== "Jul") {
    console.error(`FAIL: the reference's strftime uses the default locale, which names July "${month}"; run with LC_ALL=C.`);
    process.exit(1);
}

if (!existsSync(fixturesDir)) {
    console.error(`FAIL: fixtures folder ${fixturesDir} does not exist (../shared beside the checkout, or QFORGE_SHARED)`);
    process.exit(1);
}
const fixtureFiles = readdirSync(fixturesDir).filter((f) => f.endsWith(".jinja")).sort();
if (fixtureFiles.length === 0) {
    console.error(`FAIL: no .jinja templates in ${fixturesDir}`);
    process.exit(1);
}

const runTool = (args) => spawnSync(tool, args, { env: { ...process.env, TZ: "UTC" }, maxBuffer: 256 << 20 });

const listed = runTool(["--list-builtins"]);
if (listed.status !== 0) {
    console.error(`FAIL: ${tool} --list-builtins: ${listed.stderr}`);
    process.exit(1);
}
const templates = fixtureFiles.map((f) => ({
    name: f,
    source: readFileSync(join(fixturesDir, f), "utf8"),
    args: [join(fixturesDir, f)],
}));
for (const name of listed.stdout.toString().split("\n").filter(Boolean)) {
    const printed = runTool(["--print-builtin", name]);
    templates.push({ name: `builtin:${name}`, source: printed.stdout.toString("utf8"), args: ["--builtin", name] });
}

const { conversations } = JSON.parse(readFileSync(new URL("./conversations.json", import.meta.url), "utf8"));
const scratch = mkdtempSync(join(tmpdir(), "qforge-chat-"));
const contextFiles = conversations.map((c, i) => {
    const path = join(scratch, `${i}.json`);
    writeFileSync(path, JSON.stringify(c.context));
    return path;
});

const show = (buf, at) => JSON.stringify(buf.subarray(Math.max(0, at - 40), at + 40).toString("utf8"));
const oneLine = (s) => String(s).split("\n")[0].slice(0, 120);

let pairs = 0, same = 0, bothRaised = 0;
const mismatches = [];
for (const t of templates) {
    let compiled = null, parseError = null;
    try {
        compiled = new Template(t.source);
    } catch (e) {
        parseError = e;
    }
    conversations.forEach((c, i) => {
        ++pairs;
        let expected = null, hfError = parseError;
        if (compiled) {
            try {
                expected = Buffer.from(compiled.render(structuredClone(c.context)), "utf8");
            } catch (e) {
                hfError = e;
            }
        }
        const ours = runTool([...t.args, contextFiles[i], "--now", String(FIXED_EPOCH_SECONDS)]);
        const label = `${t.name} × ${c.name}`;
        const stderr = ours.stderr.toString();
        if ((ours.status !== 0 && ours.status !== 1) || /Sanitizer|runtime error:/.test(stderr)) {
            mismatches.push(label);
            console.log(`MISMATCH ${label}: render_chat_template crashed (status ${ours.status}, signal ${ours.signal}):\n${stderr}`);
            return;
        }
        if (hfError && ours.status === 1) {
            ++same, ++bothRaised;
            console.log(`ok       ${label} (both raise: ${oneLine(hfError.message)} | ${oneLine(stderr)})`);
        } else if (hfError) {
            mismatches.push(label);
            console.log(`MISMATCH ${label}: @huggingface/jinja raises (${oneLine(hfError.message)}) but qforge renders ${ours.stdout.length} bytes`);
        } else if (ours.status === 1) {
            mismatches.push(label);
            console.log(`MISMATCH ${label}: qforge raises (${oneLine(stderr)}) but @huggingface/jinja renders ${expected.length} bytes`);
        } else if (Buffer.compare(expected, ours.stdout) === 0) {
            ++same;
            console.log(`ok       ${label} (${expected.length} bytes)`);
        } else {
            let at = 0;
            while (at < expected.length && at < ours.stdout.length && expected[at] === ours.stdout[at]) ++at;
            mismatches.push(label);
            console.log(`MISMATCH ${label}: first difference at byte ${at} of ${expected.length} (qforge: ${ours.stdout.length})`);
            console.log(`    @huggingface/jinja: ${show(expected, at)}`);
            console.log(`    qforge:             ${show(ours.stdout, at)}`);
        }
    });
}
rmSync(scratch, { recursive: true, force: true });

console.log(`\n${same}/${pairs} template × conversation pairs identical (${bothRaised} of them raise in both); ` +
    `${templates.length} templates (${fixtureFiles.length} fixtures), ${conversations.length} conversations`);
if (mismatches.length) {
    console.log(`${mismatches.length} mismatches`);
    process.exit(1);
}
