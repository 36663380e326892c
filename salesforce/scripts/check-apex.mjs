#!/usr/bin/env node
// Offline checks for the SFDX source, for CI where no Salesforce org is available:
//   - every .cls / .trigger parses with the Apex grammar, and its top-level name matches the file name;
//   - every *-meta.xml is well-formed XML in the Metadata API namespace, and any <apiVersion> is the
//     project's API version; every .cls / .trigger has its -meta.xml beside it;
//   - sfdx-project.json declares the same sourceApiVersion.
//
// Usage: node scripts/check-apex.mjs [--api-version 66.0] [PATH ...]
// PATHs are files or folders; without one, force-app and sfdx-project.json next to this script are checked.
// Prints file:line:column: message per problem and exits 1 when there is any.

import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { ApexErrorListener, ApexParserFactory } from "@apexdevtools/apex-parser";
import { XMLValidator } from "fast-xml-parser";

const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const METADATA_NAMESPACE = "http://soap.sforce.com/2006/04/metadata";
const MAX_MESSAGE_CHARS = 240;

function parseArgs(argv) {
  const options = { apiVersion: "66.0", paths: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--api-version") {
      options.apiVersion = argv[++i];
    } else if (argv[i] === "-h" || argv[i] === "--help") {
      console.log("usage: check-apex.mjs [--api-version X.Y] [PATH ...]");
      process.exit(0);
    } else {
      options.paths.push(path.resolve(argv[i]));
    }
  }
  return options;
}

function walk(target, found) {
  if (!existsSync(target)) {
    throw new Error(`${target}: no such file or folder`);
  }
  if (statSync(target).isDirectory()) {
    for (const entry of readdirSync(target).sort()) {
      if (entry === "node_modules" || entry.startsWith(".")) continue;
      walk(path.join(target, entry), found);
    }
  } else {
    found.push(target);
  }
  return found;
}

function display(file) {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") ? file : relative;
}

class CollectingListener extends ApexErrorListener {
  constructor() {
    super();
    this.errors = [];
  }

  apexSyntaxError(line, column, message) {
    this.errors.push({ line, column: column + 1, message });
  }
}

function shorten(message) {
  const oneLine = message.replace(/\s+/g, " ");
  return oneLine.length > MAX_MESSAGE_CHARS ? `${oneLine.slice(0, MAX_MESSAGE_CHARS)}...` : oneLine;
}

function declaredName(unit, isTrigger) {
  if (isTrigger) {
    return unit.id(0)?.getText();
  }
  const type = unit.typeDeclaration();
  const declaration = type?.classDeclaration() ?? type?.interfaceDeclaration() ?? type?.enumDeclaration();
  return declaration?.id()?.getText();
}

function checkApex(file, problems, apiVersion) {
  const isTrigger = file.endsWith(".trigger");
  const source = readFileSync(file, "utf8");
  const listener = new CollectingListener();
  const { parser } = ApexParserFactory.createLexerAndParser(source, listener);
  const unit = isTrigger ? parser.triggerUnit() : parser.compilationUnit();
  for (const error of listener.errors) {
    problems.push(`${display(file)}:${error.line}:${error.column}: ${shorten(error.message)}`);
  }
  if (listener.errors.length === 0) {
    const expected = path.basename(file).replace(/\.(cls|trigger)$/, "");
    const name = declaredName(unit, isTrigger);
    if (name !== undefined && name.toLowerCase() !== expected.toLowerCase()) {
      problems.push(`${display(file)}:1:1: declares '${name}' but the file name requires '${expected}'`);
    }
  }
  const meta = `${file}-meta.xml`;
  if (!existsSync(meta)) {
    problems.push(`${display(file)}:1:1: missing ${path.basename(meta)}`);
  } else if (!readFileSync(meta, "utf8").includes(`<apiVersion>${apiVersion}</apiVersion>`)) {
    problems.push(`${display(meta)}:1:1: must declare <apiVersion>${apiVersion}</apiVersion>`);
  }
}

function lineOf(text, index) {
  return text.slice(0, index).split("\n").length;
}

function checkMetadataXml(file, problems, apiVersion) {
  const text = readFileSync(file, "utf8");
  const verdict = XMLValidator.validate(text);
  if (verdict !== true) {
    const { line, col, msg } = verdict.err;
    problems.push(`${display(file)}:${line}:${col}: malformed XML: ${shorten(msg)}`);
    return;
  }
  if (!text.startsWith("<?xml")) {
    problems.push(`${display(file)}:1:1: missing the <?xml ...?> declaration`);
  }
  const root = /<([A-Za-z][\w.]*)\b([^>]*)>/.exec(text.replace(/^<\?xml[^>]*\?>/, ""));
  if (!root || !root[2].includes(`xmlns="${METADATA_NAMESPACE}"`)) {
    problems.push(`${display(file)}:1:1: root element must declare xmlns="${METADATA_NAMESPACE}"`);
  }
  for (const match of text.matchAll(/<apiVersion>([^<]*)<\/apiVersion>/g)) {
    if (match[1].trim() !== apiVersion) {
      problems.push(
        `${display(file)}:${lineOf(text, match.index)}:1: apiVersion ${match[1]} is not the project's ${apiVersion}`,
      );
    }
  }
}

function checkProjectFile(file, problems, apiVersion) {
  let project;
  try {
    project = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    problems.push(`${display(file)}:1:1: invalid JSON: ${error.message}`);
    return;
  }
  if (project.sourceApiVersion !== apiVersion) {
    problems.push(`${display(file)}:1:1: sourceApiVersion ${project.sourceApiVersion} is not ${apiVersion}`);
  }
}

function main() {
  const options = parseArgs(process.argv.slice(2));
  const targets = options.paths.length
    ? options.paths
    : [path.join(PROJECT_DIR, "force-app"), path.join(PROJECT_DIR, "sfdx-project.json")];
  const files = [];
  try {
    for (const target of targets) {
      walk(target, files);
    }
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
  const problems = [];
  let apexCount = 0;
  let metadataCount = 0;
  for (const file of files) {
    if (file.endsWith(".cls") || file.endsWith(".trigger")) {
      apexCount++;
      checkApex(file, problems, options.apiVersion);
    } else if (file.endsWith("-meta.xml")) {
      metadataCount++;
      checkMetadataXml(file, problems, options.apiVersion);
    } else if (path.basename(file) === "sfdx-project.json") {
      checkProjectFile(file, problems, options.apiVersion);
    }
  }
  if (apexCount + metadataCount === 0) {
    console.error(`no .cls, .trigger or -meta.xml files under ${targets.map(display).join(", ")}`);
    process.exit(2);
  }
  for (const problem of problems) {
    console.error(problem);
  }
  console.log(
    `checked ${apexCount} Apex file(s) and ${metadataCount} metadata file(s): ${problems.length} problem(s)`,
  );
  process.exit(problems.length ? 1 : 0);
}

main();
