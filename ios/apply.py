#!/usr/bin/env python3
"""Apply DVC Đồng Hành's iOS configuration (this folder) to the project Tauri generates.

Tauri 2 generates the Xcode project under src-tauri/gen/apple and regenerates it on
`tauri ios init`. Run after every init:

    python3 ios/apply.py [--gen src-tauri/gen/apple]

Idempotent; standard library only.
"""
from __future__ import annotations

import argparse
import plistlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def apply_ios(gen: Path) -> list[str]:
    plists = [p for p in gen.glob("*_iOS/Info.plist")] or [p for p in gen.glob("**/Info.plist")]
    if not plists:
        raise SystemExit(f"no Info.plist under {gen}: run `npx --yes @tauri-apps/cli@2.12.5 ios init` first")
    with open(ROOT / "ios" / "Info.fragment.plist", "rb") as f:
        fragment = plistlib.load(f)
    changes: list[str] = []
    for path in plists:
        with open(path, "rb") as f:
            info = plistlib.load(f)
        changed = False
        for key, value in fragment.items():
            if info.get(key) != value:
                info[key] = value
                changes.append(f"{path.name}: {key}")
                changed = True
        if changed:
            with open(path, "wb") as f:
                plistlib.dump(info, f)
    return changes


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--gen", type=Path, default=ROOT / "src-tauri" / "gen" / "apple")
    args = p.parse_args(argv)
    changes = apply_ios(args.gen)
    for c in changes:
        print(f"applied: {c}")
    if not changes:
        print("already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
