#!/usr/bin/env python3
"""Apply DVC Đồng Hành's Android configuration (this folder) to the project Tauri generates.

Tauri 2 generates the Android project under src-tauri/gen/android (custom paths are not
supported) and regenerates it on `tauri android init`. Run after every init:

    python3 android/apply.py [--gen src-tauri/gen/android]

Idempotent; standard library only.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANDROID_NS = "http://schemas.android.com/apk/res/android"
TOOLS_NS = "http://schemas.android.com/tools"
A = f"{{{ANDROID_NS}}}"


def apply_android(gen: Path) -> list[str]:
    manifest_path = gen / "app" / "src" / "main" / "AndroidManifest.xml"
    if not manifest_path.is_file():
        raise SystemExit(f"no {manifest_path}: run `npx --yes @tauri-apps/cli@2.12.5 android init` first")
    ET.register_namespace("android", ANDROID_NS)
    ET.register_namespace("tools", TOOLS_NS)
    fragment = ET.parse(ROOT / "android" / "AndroidManifest.fragment.xml").getroot()
    tree = ET.parse(manifest_path)
    manifest = tree.getroot()
    changes: list[str] = []

    for tag in ("uses-permission", "uses-feature"):
        have = {e.get(A + "name") for e in manifest.findall(tag)}
        for e in fragment.findall(tag):
            if e.get(A + "name") not in have:
                # Permissions go before <application>, as Android expects.
                app_index = list(manifest).index(manifest.find("application")) if manifest.find("application") is not None else len(manifest)
                manifest.insert(app_index, e)
                changes.append(f"{tag} {e.get(A + 'name')}")

    app = manifest.find("application")
    if app is None:
        raise SystemExit(f"{manifest_path} has no <application>")
    for key, value in fragment.find("application").attrib.items():
        if app.get(key) != value:
            app.set(key, value)
            changes.append(f"application {key}={value}")

    res_xml = gen / "app" / "src" / "main" / "res" / "xml"
    res_xml.mkdir(parents=True, exist_ok=True)
    for src in sorted((ROOT / "android" / "res" / "xml").glob("*.xml")):
        dst = res_xml / src.name
        if not dst.exists() or dst.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dst)
            changes.append(f"res/xml/{src.name}")

    if changes:
        tree.write(manifest_path, encoding="utf-8", xml_declaration=True)
    changes += secure_window(gen)
    return changes


FLAG_LINE = "window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)"


def secure_window(gen: Path) -> list[str]:
    """FLAG_SECURE on the app's window: no screenshots, and a blank thumbnail in the app switcher
    (the app lock's privacy cover; docs/app-lock.md). Patches Tauri's generated MainActivity.kt."""
    changes: list[str] = []
    for path in sorted((gen / "app" / "src" / "main").rglob("MainActivity.kt")):
        text = path.read_text(encoding="utf-8")
        if "FLAG_SECURE" in text:
            continue
        lines = text.splitlines()
        pkg = next((i for i, l in enumerate(lines) if l.startswith("package ")), None)
        if pkg is None:
            raise SystemExit(f"{path}: no package line; cannot add FLAG_SECURE")
        for imp in ("android.os.Bundle", "android.view.WindowManager"):
            if f"import {imp}" not in text:
                lines.insert(pkg + 1, f"import {imp}")
        text = "\n".join(lines) + "\n"
        if "override fun onCreate" in text:
            start = text.index("override fun onCreate")
            sup = text.index("super.onCreate(savedInstanceState)", start)
            end = text.index("\n", sup)
            text = text[: end + 1] + f"    {FLAG_LINE}\n" + text[end + 1 :]
        else:
            decl = "class MainActivity : TauriActivity()"
            if decl not in text:
                raise SystemExit(f"{path}: unexpected MainActivity; add FLAG_SECURE by hand")
            body = (
                " {\n  override fun onCreate(savedInstanceState: Bundle?) {\n"
                "    super.onCreate(savedInstanceState)\n"
                f"    {FLAG_LINE}\n  }}\n}}"
            )
            rest = text.split(decl, 1)[1]
            if rest.lstrip().startswith("{"):
                raise SystemExit(f"{path}: unexpected MainActivity body; add FLAG_SECURE by hand")
            text = text.replace(decl, decl + body, 1)
        path.write_text(text, encoding="utf-8")
        changes.append(f"FLAG_SECURE in {path.name}")
    return changes


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gen", type=Path, default=ROOT / "src-tauri" / "gen" / "android")
    args = p.parse_args(argv)
    changes = apply_android(args.gen)
    for c in changes:
        print(f"applied: {c}")
    if not changes:
        print("already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
