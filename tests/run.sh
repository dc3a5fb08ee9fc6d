#!/usr/bin/env bash
# The one test command (README.md): on a fresh machine it installs what the suites need, builds,
# runs every xunit project, then the Pester tests in PowerShell 7 (installing pwsh and Pester from NuGet when missing).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
config=${CONFIGURATION:-Release}
log=$(mktemp)
native=$(mktemp -d -t streamfiles-native.XXXXXX)
s3_started=
trap 'rm -f "$log"; rm -rf "$native"; if [ -n "$s3_started" ]; then bash tests/s3-server/stop.sh; fi' EXIT

# Independent tools the tests compare against: coreutils, python3, gzip are on a fresh machine; xxd, fincore
# (util-linux-extra: how much of a file is in the page cache), python3-crcmod (CRC-64/NVME) and strace may not be. The native
# AOT build of the CLI links with a C toolchain (clang, else gcc).
missing=()
command -v xxd >/dev/null || missing+=(xxd)
command -v fincore >/dev/null || missing+=(util-linux-extra)
command -v clang >/dev/null || command -v gcc >/dev/null || missing+=(gcc)
# strace is the witness of the mode a new file is made with (TransferCommandTests).
command -v strace >/dev/null || missing+=(strace)
# The tests ask Debian's own python3 for crcmod: a version manager's python3 earlier on PATH does not see its modules.
py=python3
if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3; fi
"$py" -c 'import crcmod' 2>/dev/null || missing+=(python3-crcmod)
if [ ${#missing[@]} -gt 0 ]; then
  echo "tests/run.sh: installing ${missing[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
for tool in sha256sum md5sum python3 gzip xxd fincore; do
  command -v "$tool" >/dev/null || { echo "tests/run.sh: '$tool' is required and missing" >&2; exit 1; }
done

# S3 tests (tests/StreamFiles.Core.Tests/S3) run against a real server. An endpoint given in
# STREAMFILES_TEST_S3_ENDPOINT (MinIO, R2, AWS; see tests/s3-server/README.md) is used as it is; otherwise, as root on a
# Debian-like machine, the local Ceph RGW of tests/s3-server is installed, started, and stopped at the end. Where
# neither is possible the S3 tests are skipped, and this says so once.
if [ -z "${STREAMFILES_TEST_S3_ENDPOINT:-}" ] && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  s3_vars=$(bash tests/s3-server/start.sh --install) || { echo "tests/run.sh: the S3 test server did not start (log above)" >&2; exit 1; }
  s3_started=1
  eval "$s3_vars"
fi
if [ -n "${STREAMFILES_TEST_S3_ENDPOINT:-}" ]; then
  echo "S3 tests run against $STREAMFILES_TEST_S3_ENDPOINT, bucket ${STREAMFILES_TEST_S3_BUCKET:-streamfiles-test}"
else
  echo "SKIPPED: S3 tests: no STREAMFILES_TEST_S3_ENDPOINT, and this machine cannot start tests/s3-server (it needs root and apt-get)."
fi

# Everything the tests capture from the code under test (process output, what the recording sinks receive) lands
# here, with secrets.txt listing the distinctive secrets tests handed it (tests/StreamFiles.Core.Tests/Support/TestCapture.cs).
export STREAMFILES_TEST_CAPTURE_DIR=${STREAMFILES_TEST_CAPTURE_DIR:-$(mktemp -d -t streamfiles-capture.XXXXXX)}

dotnet build StreamFiles.sln -c "$config" -nologo -v quiet
dotnet test StreamFiles.sln -c "$config" --no-build -nologo 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# The CLI's tests once more, against the native AOT publish that README.md offers (-p:NativeAot=true): no JIT, a
# trimmed framework and the AWS SDK compiled ahead of time make it a program of its own. The tests run the
# executable that STREAMFILES_TEST_CLI names (tests/StreamFiles.Core.Tests/Support/ProcessRunner.cs). The classes
# chosen cover option parsing, JSON and text output, errors and exit codes, S3, HTTP, secrets and Ctrl-C; the rest
# of the CLI's tests (TransferCommandTests, SourceChangeTests, the kill-and-resume matrices) test the engine through
# the same code and are left out to keep the run short.
cli_tests='FullyQualifiedName~StreamFiles.Core.Tests.Cli.HashCommandTests|FullyQualifiedName~StreamFiles.Core.Tests.Cli.Base64CommandTests|FullyQualifiedName~StreamFiles.Core.Tests.Cli.HttpCliTests|FullyQualifiedName~StreamFiles.Core.Tests.S3.S3CliTests|FullyQualifiedName~StreamFiles.Core.Tests.Faults.BadInputMatrixTests|FullyQualifiedName~StreamFiles.Core.Tests.Faults.InterruptAndDiskFullTests|FullyQualifiedName~StreamFiles.Core.Tests.Faults.SecretsInOutputTests'
if command -v clang >/dev/null || command -v gcc >/dev/null; then
  echo "native AOT: publishing the CLI (-p:NativeAot=true) and running its tests against it"
  dotnet publish src/StreamFiles.Cli -c "$config" --use-current-runtime -p:NativeAot=true -o "$native" -nologo -v quiet
  # A failure here ends the script (set -e, pipefail), as one in the main pass does.
  STREAMFILES_TEST_CLI=$native/streamfiles dotnet test tests/StreamFiles.Core.Tests -c "$config" --no-build -nologo --filter "$cli_tests" 2>&1 | tee -a "$log"
else
  echo "SKIPPED: native AOT CLI tests: no C toolchain (clang or gcc) to link the native executable with."
fi

# No registered secret may appear in anything the suite captured. Only file names and line numbers are printed.
capture=$STREAMFILES_TEST_CAPTURE_DIR
secrets=$capture/secrets.txt
files=$(find "$capture" -type f ! -name secrets.txt | wc -l)
bytes=$(find "$capture" -type f ! -name secrets.txt -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }')
if [ -s "$secrets" ]; then
  leaks=$(grep -rnF -f "$secrets" --exclude=secrets.txt "$capture" | cut -d: -f1,2 || true)
  echo "secret scan: $(wc -l < "$secrets") registered secrets, $files captured files, $bytes bytes in $capture"
  if [ -n "$leaks" ]; then
    echo "secret scan: FAILED: a registered secret appears at (file:line):" >&2
    echo "$leaks" >&2
    exit 1
  fi
else
  echo "secret scan: no secrets registered (the tests that register them did not run); $files files, $bytes bytes captured in $capture"
fi

# One plain closing line for whoever reads the log: totals over every test project and the native pass.
awk '/(Passed|Failed)! +-/ { for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "xunit: %d passed, %d failed, %d skipped\n", p, f, s }' FS='[ ,]+' "$log"
[ "$status" -eq 0 ] || exit "$status"

# The Pester tests (tests/Pester) load the packaged module into a real PowerShell 7 with Pester 5. Where pwsh is not on
# PATH, PowerShell's .NET global tool (a NuGet package) is installed for these runs under ~/.cache/streamfiles, and
# where no Pester 5 is installed, Pester from its NuGet package beside it. Where neither can be had (no NuGet), this
# says so and skips them. build.ps1 builds the module (Package) and runs them (Pester); a failure fails the run.
pwsh_version=7.6.10
pester_version=5.7.1
tools=${XDG_CACHE_HOME:-$HOME/.cache}/streamfiles
pwsh_cmd=$(command -v pwsh || true)
if [ -z "$pwsh_cmd" ]; then
  if [ -x "$tools/pwsh/pwsh" ] || dotnet tool install PowerShell --version "$pwsh_version" --tool-path "$tools/pwsh" >/dev/null 2>&1; then
    pwsh_cmd=$tools/pwsh/pwsh
  fi
fi
if [ -n "$pwsh_cmd" ]; then
  export PSModulePath="$tools/modules${PSModulePath:+:$PSModulePath}"
  if ! "$pwsh_cmd" -NoProfile -NonInteractive -Command 'if (Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]"5.0" }) { exit 0 } else { exit 1 }'; then
    pester_dir=$tools/modules/Pester/$pester_version
    nupkg=$(mktemp)
    if curl -fsSL -o "$nupkg" "https://api.nuget.org/v3-flatcontainer/pester/$pester_version/pester.$pester_version.nupkg"; then
      # The package holds the module under tools/.
      unpacked=$(mktemp -d)
      "$py" -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$nupkg" "$unpacked"
      rm -rf "$pester_dir" && mkdir -p "$pester_dir" && cp -r "$unpacked/tools/." "$pester_dir/"
      rm -rf "$unpacked"
    fi
    rm -f "$nupkg"
  fi
fi
if [ -z "$pwsh_cmd" ]; then
  echo "SKIPPED: Pester tests (tests/Pester) need PowerShell 7 (pwsh): it is not installed here, and 'dotnet tool install PowerShell' failed; the cmdlet surface was checked by tests/StreamFiles.PowerShell.Tests instead."
elif ! "$pwsh_cmd" -NoProfile -NonInteractive -Command 'if (Get-Module -ListAvailable -Name Pester | Where-Object { $_.Version -ge [version]"5.0" }) { exit 0 } else { exit 1 }'; then
  echo "SKIPPED: Pester tests (tests/Pester) need Pester 5, which is not installed here and could not be fetched from NuGet."
else
  echo "Pester: $("$pwsh_cmd" -NoProfile -NonInteractive -Command '"PowerShell $($PSVersionTable.PSVersion), Pester $((Get-Module -ListAvailable -Name Pester | Sort-Object Version -Descending | Select-Object -First 1).Version)"')"
  # -Command, not -File: with -File, "-Task Package, Docs, Pester" would arrive as the strings "Package,", "Docs," and "Pester".
  "$pwsh_cmd" -NoProfile -NonInteractive -Command "& ./build.ps1 -Task Package, Docs, Pester -Configuration '$config'"
fi
