#Requires -Modules Pester

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'TestHelpers.psm1') -Force
    Import-Module (Get-StreamFilesModulePath) -Force -ErrorAction Stop
    $ProgressPreference = 'SilentlyContinue'

    function Get-Sha256 {
        param([Parameter(Mandatory = $true)] [string] $LiteralPath)
        (Get-FileHash -LiteralPath $LiteralPath -Algorithm SHA256).Hash
    }
}

AfterAll {
    Remove-Module StreamFiles -ErrorAction SilentlyContinue
}

Describe 'Send-StreamFile' -Tags 'CI' {

    BeforeAll {
        $script:Source = New-RandomFile -LiteralPath (Join-Path $TestDrive 'source.bin') -Length (3MB + 17) -Seed 1
        $script:Small = New-RandomFile -LiteralPath (Join-Path $TestDrive 'small.bin') -Length 1000 -Seed 2
    }

    AfterEach {
        Remove-Item -Path (Join-Path $TestDrive 'out*') -Recurse -Force -ErrorAction SilentlyContinue
    }

    Context 'Module' {
        It 'exports the cmdlet from the StreamFiles module' {
            (Get-Command -Name Send-StreamFile -Module StreamFiles).CommandType | Should -Be 'Cmdlet'
        }
    }

    Context 'Copying' {
        It 'copies a file to a new name and returns a completed result' {
            $out = Join-Path $TestDrive 'out.bin'
            $result = Send-StreamFile -LiteralPath $script:Source.FullName -Destination $out
            $result.Status | Should -Be 'Completed'
            $result.Source | Should -Be $script:Source.FullName
            $result.Destination | Should -Be $out
            $result.Length | Should -Be $script:Source.Length
            $result.Algorithm | Should -Be 'CRC32C'
            $result.Hash | Should -Be (Get-FileHashChunked -LiteralPath $script:Source.FullName -Algorithm CRC32C).Hash
            Get-Sha256 -LiteralPath $out | Should -Be (Get-Sha256 -LiteralPath $script:Source.FullName)
            (Get-Item -LiteralPath $out).LastWriteTimeUtc | Should -Be $script:Source.LastWriteTimeUtc
            Test-Path -LiteralPath "$out.partial" | Should -BeFalse
        }

        It 'reports the CRC64NVME S3 keeps when -Checksum CRC64NVME is given' {
            $out = Join-Path $TestDrive 'out-crc64.bin'
            $result = Send-StreamFile -LiteralPath $script:Source.FullName -Destination $out -Checksum CRC64NVME
            $result.Algorithm | Should -Be 'CRC64NVME'
            $result.Hash | Should -Be (Get-FileHashChunked -LiteralPath $script:Source.FullName -Algorithm CRC64NVME).Hash
            $result.Hash.Length | Should -Be 16
        }

        It 'copies into a directory under the source name when the destination ends with a separator' {
            $out = Join-Path $TestDrive 'out'
            Send-StreamFile -LiteralPath $script:Small.FullName -Destination ($out + [System.IO.Path]::DirectorySeparatorChar) | Out-Null
            Get-Sha256 -LiteralPath (Join-Path $out 'small.bin') | Should -Be (Get-Sha256 -LiteralPath $script:Small.FullName)
        }

        It 'makes a new destination name a directory when several files are piped to it' {
            $out = Join-Path $TestDrive 'out-several'
            $results = @(Get-Item -LiteralPath $script:Source.FullName, $script:Small.FullName | Send-StreamFile -Destination $out)
            $results.Count | Should -Be 2
            @($results | Where-Object { $_.Status -eq 'Completed' }).Count | Should -Be 2
            Test-Path -LiteralPath $out -PathType Container | Should -BeTrue
            Get-Sha256 -LiteralPath (Join-Path $out 'source.bin') | Should -Be (Get-Sha256 -LiteralPath $script:Source.FullName)
            Get-Sha256 -LiteralPath (Join-Path $out 'small.bin') | Should -Be (Get-Sha256 -LiteralPath $script:Small.FullName)
        }

        It 'copies <Length> bytes in 64 KiB parts' -TestCases @(
            @{ Length = 0 }
            @{ Length = 1 }
            @{ Length = 65535 }
            @{ Length = 65536 }
            @{ Length = 65537 }
            @{ Length = 262144 }
            @{ Length = 1000003 }
        ) {
            param($Length)
            $path = Join-Path $TestDrive "len$Length.bin"
            New-RandomFile -LiteralPath $path -Length $Length -Seed $Length | Out-Null
            $out = Join-Path $TestDrive "out-$Length.bin"
            $result = Send-StreamFile -LiteralPath $path -Destination $out -PartSize 64KB -Concurrency 4
            $result.Status | Should -Be 'Completed'
            (Get-Item -LiteralPath $out).Length | Should -Be $Length
            Get-Sha256 -LiteralPath $out | Should -Be (Get-Sha256 -LiteralPath $path)
        }

        It 'reports the SHA256 that Get-FileHash computes with -Checksum SHA256 and checks the copy with -Verify' {
            $result = Send-StreamFile -LiteralPath $script:Source.FullName -Destination (Join-Path $TestDrive 'out.bin') -Checksum SHA256 -PartSize 1MB -Verify
            $result.Hash | Should -Be (Get-Sha256 -LiteralPath $script:Source.FullName)
            $result.Verified | Should -BeTrue
        }

        It 'keeps the relative layout with -Recurse' {
            $tree = Join-Path $TestDrive 'tree'
            New-Item -ItemType Directory -Path (Join-Path $tree 'a b/c') -Force | Out-Null
            New-RandomFile -LiteralPath (Join-Path $tree 'top.txt') -Length 10 -Seed 5 | Out-Null
            New-RandomFile -LiteralPath (Join-Path $tree 'a b/c/deep ☃.bin') -Length 70000 -Seed 6 | Out-Null
            $out = Join-Path $TestDrive 'out'
            $results = @(Send-StreamFile -LiteralPath $tree -Destination $out -Recurse)
            $results.Count | Should -Be 2
            Get-Sha256 -LiteralPath (Join-Path $out 'a b/c/deep ☃.bin') | Should -Be (Get-Sha256 -LiteralPath (Join-Path $tree 'a b/c/deep ☃.bin'))
        }

        It 'keeps the names of the directories a wildcard matches with -Recurse' {
            $tree = Join-Path $TestDrive 'wild'
            New-Item -ItemType Directory -Path (Join-Path $tree 'x'), (Join-Path $tree 'y') -Force | Out-Null
            New-RandomFile -LiteralPath (Join-Path $tree 'top.txt') -Length 10 -Seed 7 | Out-Null
            New-RandomFile -LiteralPath (Join-Path $tree 'x/r.txt') -Length 100 -Seed 8 | Out-Null
            New-RandomFile -LiteralPath (Join-Path $tree 'y/r.txt') -Length 200 -Seed 9 | Out-Null
            $out = Join-Path $TestDrive 'wild-out'
            $results = @(Send-StreamFile -Path (Join-Path $tree '*') -Destination $out -Recurse)
            $results.Count | Should -Be 3
            @($results | Where-Object Status -ne 'Completed').Count | Should -Be 0
            foreach ($name in 'top.txt', 'x/r.txt', 'y/r.txt') {
                Get-Sha256 -LiteralPath (Join-Path $out $name) | Should -Be (Get-Sha256 -LiteralPath (Join-Path $tree $name))
            }
        }

        It 'keeps the names of directories piped from Get-ChildItem -Directory, and gives the contents of one alone' {
            $tree = Join-Path $TestDrive 'piped-dirs'
            New-Item -ItemType Directory -Path (Join-Path $tree 'x'), (Join-Path $tree 'y') -Force | Out-Null
            New-RandomFile -LiteralPath (Join-Path $tree 'x/same.txt') -Length 100 -Seed 10 | Out-Null
            New-RandomFile -LiteralPath (Join-Path $tree 'y/same.txt') -Length 200 -Seed 11 | Out-Null
            $out = Join-Path $TestDrive 'piped-out'
            $results = @(Get-ChildItem -LiteralPath $tree -Directory | Send-StreamFile -Destination $out -Recurse)
            $results.Count | Should -Be 2
            @($results | Where-Object Status -ne 'Completed').Count | Should -Be 0
            foreach ($name in 'x/same.txt', 'y/same.txt') {
                Get-Sha256 -LiteralPath (Join-Path $out $name) | Should -Be (Get-Sha256 -LiteralPath (Join-Path $tree $name))
            }

            $alone = Join-Path $TestDrive 'piped-alone'
            $result = Get-Item -LiteralPath (Join-Path $tree 'x') | Send-StreamFile -Destination $alone -Recurse
            $result.Status | Should -Be 'Completed'
            Test-Path -LiteralPath (Join-Path $alone 'same.txt') | Should -BeTrue
        }

        It 'resolves a relative destination against the current location' {
            Push-Location -LiteralPath $TestDrive
            try {
                Send-StreamFile -LiteralPath $script:Small.FullName -Destination 'out-relative.bin' | Out-Null
            }
            finally {
                Pop-Location
            }
            Test-Path -LiteralPath (Join-Path $TestDrive 'out-relative.bin') | Should -BeTrue
        }

        It 'leaves no partial file or journal after a run with -Resume' {
            $out = Join-Path $TestDrive 'out.bin'
            (Send-StreamFile -LiteralPath $script:Source.FullName -Destination $out -Resume -PartSize 1MB).Status | Should -Be 'Completed'
            Get-ChildItem -LiteralPath $TestDrive -Filter 'out.bin.partial*' | Should -BeNullOrEmpty
        }
    }

    Context 'UNC paths' {
        It 'copies to and back from a UNC path on Windows (the administrative share of the test drive)' {
            if ([System.Environment]::OSVersion.Platform -ne [System.PlatformID]::Win32NT) {
                Set-ItResult -Skipped -Because 'UNC paths exist only on Windows'
                return
            }

            $local = Join-Path $TestDrive 'out-unc'
            New-Item -ItemType Directory -Path $local | Out-Null
            $full = (Get-Item -LiteralPath $local).FullName
            $unc = '\\localhost\' + $full.Substring(0, 1) + '$' + $full.Substring(2)
            if (-not (Test-Path -LiteralPath $unc)) {
                Set-ItResult -Skipped -Because "the administrative share $unc cannot be reached on this machine"
                return
            }

            $sent = Send-StreamFile -LiteralPath $script:Source.FullName -Destination (Join-Path $unc 'sent.bin')
            $sent.Status | Should -Be 'Completed'
            Get-Sha256 -LiteralPath (Join-Path $local 'sent.bin') | Should -Be (Get-Sha256 -LiteralPath $script:Source.FullName)

            $back = Receive-StreamFile -Source (Join-Path $unc 'sent.bin') -Destination (Join-Path $local 'back.bin') -Verify
            $back.Status | Should -Be 'Completed'
            $back.Hash | Should -Be $sent.Hash
            Get-Sha256 -LiteralPath (Join-Path $local 'back.bin') | Should -Be (Get-Sha256 -LiteralPath $script:Source.FullName)
            Test-Path -LiteralPath (Join-Path $local 'sent.bin.partial') | Should -BeFalse
        }
    }

    Context 'Existing destinations' {
        It 'refuses to overwrite without -Force and leaves the file as it was' {
            $out = Join-Path $TestDrive 'out.bin'
            [System.IO.File]::WriteAllText($out, 'older')
            $result = Send-StreamFile -LiteralPath $script:Small.FullName -Destination $out -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'SendStreamFileDestinationExists*'
            $problems[0].CategoryInfo.Category | Should -Be 'ResourceExists'
            $problems[0].TargetObject | Should -Be $out
            $problems[0].Exception | Should -BeOfType ([System.IO.IOException])
            # The fix in PowerShell's words: -Force, without the CLI's --force.
            $problems[0].Exception.Message | Should -BeLike '*Add -Force to overwrite it*'
            $problems[0].Exception.Message | Should -Not -BeLike '*--force*'
            $result.Status | Should -Be 'Failed'
            $result.Error.Message | Should -BeLike '*Add -Force to overwrite it*'
            $result.Error.Message | Should -Not -BeLike '*--force*'
            [System.IO.File]::ReadAllText($out) | Should -BeExactly 'older'
        }

        It 'refuses paths that leave a PSDrive''s root with its own ids' {
            $root = Join-Path $TestDrive 'driveroot'
            New-Item -ItemType Directory -Path $root | Out-Null
            New-PSDrive -Name SFROOT -PSProvider FileSystem -Root $root | Out-Null
            try {
                $caught = $null
                try { Send-StreamFile -LiteralPath $script:Small.FullName -Destination 'SFROOT:/../escaped/' -ErrorAction Stop } catch { $caught = $_ }
                $caught | Should -Not -BeNullOrEmpty
                $caught.FullyQualifiedErrorId | Should -BeLike 'SendStreamFileInvalidDestination*'
                Test-Path -LiteralPath (Join-Path $TestDrive 'escaped') | Should -BeFalse

                $result = Send-StreamFile -LiteralPath 'SFROOT:/../nothing.bin' -Destination (Join-Path $TestDrive 'from-drive.bin') -ErrorVariable problems -ErrorAction SilentlyContinue
                $problems.Count | Should -Be 1
                $problems[0].FullyQualifiedErrorId | Should -BeLike 'SendStreamFileSourceNotFound*'

                # -Path too: resolved with wildcards, such a path gave the drive's root, and -Recurse copied it all.
                [System.IO.File]::WriteAllText((Join-Path $root 'inside.txt'), 'in the drive')
                $results = @(Send-StreamFile -Path 'SFROOT:/../nothing.bin' -Destination (Join-Path $TestDrive 'from-drive-tree') -Recurse -ErrorVariable wild -ErrorAction SilentlyContinue)
                $wild.Count | Should -Be 1
                $wild[0].FullyQualifiedErrorId | Should -BeLike 'SendStreamFileSourceNotFound*'
                @($results | Where-Object Status -eq 'Completed').Count | Should -Be 0
                Test-Path -LiteralPath (Join-Path $TestDrive 'from-drive-tree') | Should -BeFalse
            }
            finally {
                Remove-PSDrive -Name SFROOT
            }
        }

        It 'overwrites with -Force' {
            $out = Join-Path $TestDrive 'out.bin'
            [System.IO.File]::WriteAllText($out, 'older')
            Send-StreamFile -LiteralPath $script:Small.FullName -Destination $out -Force | Out-Null
            Get-Sha256 -LiteralPath $out | Should -Be (Get-Sha256 -LiteralPath $script:Small.FullName)
        }

        It 'skips an up-to-date destination with -SkipUnchanged and says why' {
            $out = Join-Path $TestDrive 'out.bin'
            Copy-Item -LiteralPath $script:Small.FullName -Destination $out
            $result = Send-StreamFile -LiteralPath $script:Small.FullName -Destination $out -SkipUnchanged
            $result.Status | Should -Be 'Skipped'
            $result.SkipReason | Should -Be 'same size and CRC32C'
        }

        It 'warns that -ContentType and -Headers do not apply to a local destination, and copies the file' {
            $out = Join-Path $TestDrive 'out.bin'
            $result = Send-StreamFile -LiteralPath $script:Small.FullName -Destination $out -ContentType 'text/plain' -Headers @{ 'X-Note' = '1' } -WarningVariable warned -WarningAction SilentlyContinue
            $result.Status | Should -Be 'Completed'
            $warned.Count | Should -Be 2
            $warned[0].Message | Should -BeLike '-Headers applies to uploads to http(s):// URLs; it is ignored for *'
            $warned[1].Message | Should -BeLike '-ContentType applies to uploads to http(s):// URLs and s3:// locations; it is ignored for *'
            Get-Sha256 -LiteralPath $out | Should -Be (Get-Sha256 -LiteralPath $script:Small.FullName)
        }

        It 'shows an unchanged file as skipped under -WhatIf -SkipUnchanged, as the real run would skip it' {
            $out = Join-Path $TestDrive 'out-whatif.bin'
            Send-StreamFile -LiteralPath $script:Small.FullName -Destination $out | Out-Null
            $result = Send-StreamFile -LiteralPath $script:Small.FullName -Destination $out -SkipUnchanged -WhatIf
            $result.Status | Should -Be 'Skipped'
            $result.SkipReason | Should -Be 'same size and CRC32C'
            Remove-Item -LiteralPath $out
        }

        It 'writes nothing with -WhatIf' {
            $out = Join-Path $TestDrive 'out/new/out.bin'
            Send-StreamFile -LiteralPath $script:Small.FullName -Destination $out -WhatIf | Should -BeNullOrEmpty
            Test-Path -LiteralPath (Join-Path $TestDrive 'out') | Should -BeFalse
        }
    }

    Context 'Errors' {
        It 'outputs the files copied before a missing one that ends the command under -ErrorAction Stop' {
            # As Copy-Item does: the copy still running when the error comes finishes, and its result goes out first.
            $big = Join-Path $TestDrive 'stop-big.bin'
            $stream = [System.IO.File]::Create($big)
            $stream.SetLength(300MB)
            $stream.Dispose()
            $out = Join-Path $TestDrive 'stop-out'
            $got = New-Object System.Collections.Generic.List[object]
            { Send-StreamFile -Path $big, (Join-Path $TestDrive 'missing.bin') -Destination "$out/" -ErrorAction Stop | ForEach-Object { $got.Add($_) } } |
                Should -Throw -ErrorId 'SendStreamFileSourceNotFound,StreamFiles.PowerShell.SendStreamFileCommand'
            $got.Count | Should -Be 1
            $got[0].Status | Should -Be 'Completed'
            (Get-Item -LiteralPath (Join-Path $out 'stop-big.bin')).Length | Should -Be 300MB
            Test-Path -LiteralPath (Join-Path $out 'stop-big.bin.partial') | Should -BeFalse
        }

        It 'outputs a failed result that stays small in ConvertTo-Json and shows its error after a job' {
            # A probe: the live exception in .Error made ConvertTo-Json -Depth 10 of one failed result run for minutes,
            # and a result from Start-Job showed an empty "Error :" line.
            $source = Join-Path $TestDrive 'json-source.bin'
            [System.IO.File]::WriteAllBytes($source, [byte[]](1..100))
            $destination = Join-Path $TestDrive 'json-destination.bin'
            Set-Content -LiteralPath "$destination.partial.journal" -Value 'not a journal'
            $result = Send-StreamFile -LiteralPath $source -Destination $destination -ErrorVariable problems -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'Failed'
            $result.Error.Condition | Should -Be 'DestinationExists'
            $result.Error.Exception | Should -BeNullOrEmpty
            $problems[0].Exception | Should -Not -BeNullOrEmpty
            ($result | ConvertTo-Json -Depth 10).Length | Should -BeLessThan 5000
            Get-Content -LiteralPath "$destination.partial.journal" | Should -Be 'not a journal'
            $copy = [System.Management.Automation.PSSerializer]::Deserialize([System.Management.Automation.PSSerializer]::Serialize($result, 1))
            ($copy | Format-List | Out-String -Width 400) | Should -Match 'Error\s*:\s*\S.*is in the way'
        }

        It 'reports a missing source and goes on with the others' {
            $out = Join-Path $TestDrive 'out'
            $results = @(Send-StreamFile -Path (Join-Path $TestDrive 'missing.bin'), $script:Small.FullName -Destination "$out/" -ErrorVariable problems -ErrorAction SilentlyContinue)
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'SendStreamFileSourceNotFound*'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            ($results | Where-Object Status -eq 'Completed').Count | Should -Be 1
        }

        It 'reports a wildcard that matches nothing, with a Failed result, and goes on with the others' {
            $out = Join-Path $TestDrive 'out'
            $results = @(Send-StreamFile -Path (Join-Path $TestDrive '*.nomatch'), $script:Small.FullName -Destination "$out/" -ErrorVariable problems -ErrorAction SilentlyContinue)
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'SendStreamFileSourceNotFound,StreamFiles.PowerShell.SendStreamFileCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            @($results | Where-Object Status -eq 'Failed').Count | Should -Be 1
            @($results | Where-Object Status -eq 'Completed').Count | Should -Be 1
        }

        It 'gives a missing -Path the Failed result a missing -LiteralPath gets' {
            $missing = Join-Path $TestDrive 'missing-path.bin'
            $result = Send-StreamFile -Path $missing -Destination (Join-Path $TestDrive 'out.bin') -ErrorAction SilentlyContinue
            $result.Status | Should -Be 'Failed'
            $result.Source | Should -Be $missing
        }

        It 'names Receive-StreamFile for an s3:// or https:// source, with a Failed result' {
            foreach ($source in 's3://bucket/key.bin', 'https://example.invalid/file.bin') {
                $result = Send-StreamFile -Path $source -Destination (Join-Path $TestDrive 'out-url.bin') -ErrorVariable problems -ErrorAction SilentlyContinue
                $problems.Count | Should -Be 1
                $problems[0].FullyQualifiedErrorId | Should -Be 'SendStreamFileSourceNotLocal,StreamFiles.PowerShell.SendStreamFileCommand'
                $problems[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
                $problems[0].Exception.Message | Should -BeLike '*Receive-StreamFile*'
                $result.Status | Should -Be 'Failed'
            }
            Test-Path -LiteralPath (Join-Path $TestDrive 'out-url.bin') | Should -BeFalse
        }

        It 'resolves TestDrive: paths for -Path, -LiteralPath and -Destination' {
            Send-StreamFile -Path 'TestDrive:\small.bin' -Destination 'TestDrive:\out\' | Out-Null
            Send-StreamFile -LiteralPath 'TestDrive:\small.bin' -Destination 'TestDrive:\out-literal.bin' | Out-Null
            Test-Path -LiteralPath (Join-Path $TestDrive 'out/small.bin') | Should -BeTrue
            Test-Path -LiteralPath (Join-Path $TestDrive 'out-literal.bin') | Should -BeTrue
        }

        It 'needs -Recurse for a directory' {
            Send-StreamFile -LiteralPath $TestDrive -Destination (Join-Path $TestDrive 'out') -ErrorVariable problems -ErrorAction SilentlyContinue | Out-Null
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'SendStreamFileSourceIsDirectory*'
        }

        It 'refuses a destination inside the source directory' {
            Send-StreamFile -LiteralPath $TestDrive -Destination (Join-Path $TestDrive 'out/inside') -Recurse -ErrorVariable problems -ErrorAction SilentlyContinue | Out-Null
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'SendStreamFileDestinationInsideSource*'
        }

        It 'ends the command for a malformed destination' {
            { Send-StreamFile -LiteralPath $script:Small.FullName -Destination 's3:/bucket/key' } | Should -Throw -ErrorId 'SendStreamFileInvalidLocation,StreamFiles.PowerShell.SendStreamFileCommand'
        }

        It 'reports a source on another provider as a Failed result and an error, and sends the rest' {
            $out = Join-Path $TestDrive 'out-provider'
            $results = @(Send-StreamFile -Path 'Env:/HOME', $script:Small.FullName -Destination "$out/" -ErrorVariable problems -ErrorAction SilentlyContinue)
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -Be 'SendStreamFileNotFileSystemPath,StreamFiles.PowerShell.SendStreamFileCommand'
            $problems[0].Exception | Should -BeOfType ([System.ArgumentException])
            $problems[0].CategoryInfo.Reason | Should -Be 'ArgumentException'
            @($results | Where-Object Status -eq 'Failed').Count | Should -Be 1
            @($results | Where-Object Status -eq 'Completed').Count | Should -Be 1
            Test-Path -LiteralPath (Join-Path $out $script:Small.Name) | Should -BeTrue
        }

        It 'ends the command for a destination on another provider' {
            { Send-StreamFile -LiteralPath $script:Small.FullName -Destination 'Env:\StreamFilesTest' } | Should -Throw -ErrorId 'SendStreamFileNotFileSystemPath,StreamFiles.PowerShell.SendStreamFileCommand'
        }
    }

    Context 'Common parameters' {
        It 'turns the failed file into a terminating error with -ErrorAction Stop' {
            $missing = Join-Path $TestDrive 'missing-for-stop.bin'
            $out = Join-Path $TestDrive 'out'
            { Send-StreamFile -LiteralPath $missing -Destination "$out/" -ErrorAction Stop } | Should -Throw -ErrorId 'SendStreamFileSourceNotFound,StreamFiles.PowerShell.SendStreamFileCommand'
        }

        It 'throws the exception type PowerShell uses for a missing item, so catch [ItemNotFoundException] works' {
            $missing = Join-Path $TestDrive 'missing-for-catch.bin'
            $out = Join-Path $TestDrive 'out'
            { Send-StreamFile -LiteralPath $missing -Destination "$out/" -ErrorAction Stop } | Should -Throw -ExceptionType ([System.Management.Automation.ItemNotFoundException])
            $caught = $null
            try {
                Send-StreamFile -LiteralPath $missing -Destination "$out/" -ErrorAction Stop
            }
            catch [System.Management.Automation.ItemNotFoundException] {
                $caught = $_
            }
            $caught | Should -Not -BeNullOrEmpty
            $caught.Exception.InnerException.Error.Condition | Should -Be 'SourceNotFound'
            # The record a typed catch gets is the exception's own: it has the id, category and path, as Copy-Item's does.
            $caught.FullyQualifiedErrorId | Should -BeLike 'SendStreamFileSourceNotFound*'
            $caught.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $caught.TargetObject | Should -Be $missing
            # The reason is the type PowerShell's own cmdlets show, not the subclass that carries the record (a probe).
            $caught.CategoryInfo.Reason | Should -Be 'ItemNotFoundException'
            Send-StreamFile -LiteralPath $missing -Destination "$out/" -ErrorVariable written -ErrorAction SilentlyContinue | Out-Null
            $written[0].CategoryInfo.Reason | Should -Be 'ItemNotFoundException'
        }

        It 'collects one error per failed file with -ErrorVariable and still copies the rest' {
            $out = Join-Path $TestDrive 'out'
            $missingOne = Join-Path $TestDrive 'missing-one.bin'
            $missingTwo = Join-Path $TestDrive 'missing-two.bin'
            $results = @(Send-StreamFile -LiteralPath $missingOne, $script:Small.FullName, $missingTwo -Destination "$out/" -ErrorVariable problems -ErrorAction SilentlyContinue)
            $problems.Count | Should -Be 2
            foreach ($problem in $problems) {
                $problem.FullyQualifiedErrorId | Should -BeLike 'SendStreamFileSourceNotFound*'
            }
            @($results | Where-Object Status -eq 'Completed').Count | Should -Be 1
            Test-Path -LiteralPath (Join-Path $out 'small.bin') | Should -BeTrue
        }
    }

    Context 'Progress' {
        It 'writes one parent record, children under it, and completes them' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddParameter('Name', (Get-StreamFilesModulePath))
                $null = $ps.AddStatement().AddCommand('Send-StreamFile').AddParameter('LiteralPath', @($script:Source.FullName, $script:Small.FullName)).AddParameter('Destination', (Join-Path $TestDrive 'out-progress/'))
                $results = $ps.Invoke()
                $results.Count | Should -Be 2
                # With progress shown, no status lines in the information stream.
                @($ps.Streams.Information | Where-Object { $_.Tags -contains 'Status' }).Count | Should -Be 0
                $records = @($ps.Streams.Progress)
                $parents = @($records | Where-Object { $_.ParentActivityId -eq -1 })
                $children = @($records | Where-Object { $_.ParentActivityId -ne -1 })
                $parents.Count | Should -BeGreaterThan 0
                @($parents | Select-Object -ExpandProperty ActivityId -Unique).Count | Should -Be 1
                $parents[-1].RecordType | Should -Be 'Completed'
                foreach ($child in $children) {
                    $child.ParentActivityId | Should -Be $parents[0].ActivityId
                }
                @($children | Select-Object -ExpandProperty ActivityId -Unique).Count | Should -BeLessOrEqual 4
                # The parent comes first: a host shows a child whose parent it has not seen as a bar of its own.
                $records[0].ParentActivityId | Should -Be -1
            }
            finally {
                $ps.Dispose()
            }
        }

        It 'completes every progress record it opened when -ErrorAction Stop ends the command' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddParameter('Name', (Get-StreamFilesModulePath))
                $sources = @($script:Source.FullName, (Join-Path $TestDrive 'missing-progress.bin'))
                $null = $ps.AddStatement().AddCommand('Send-StreamFile').AddParameter('LiteralPath', $sources).AddParameter('Destination', (Join-Path $TestDrive 'out-stop/')).AddParameter('ErrorAction', 'Stop')
                { $ps.Invoke() } | Should -Throw
                $records = @($ps.Streams.Progress)
                $records.Count | Should -BeGreaterThan 0
                foreach ($id in @($records | Select-Object -ExpandProperty ActivityId -Unique)) {
                    @($records | Where-Object { $_.ActivityId -eq $id })[-1].RecordType | Should -Be 'Completed'
                }
            }
            finally {
                $ps.Dispose()
            }
        }

        It 'writes no progress when ProgressPreference is SilentlyContinue' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddCommand('Import-Module').AddParameter('Name', (Get-StreamFilesModulePath))
                $null = $ps.AddStatement().AddCommand('Set-Variable').AddParameter('Name', 'ProgressPreference').AddParameter('Value', 'SilentlyContinue')
                $null = $ps.AddStatement().AddCommand('Send-StreamFile').AddParameter('LiteralPath', $script:Source.FullName).AddParameter('Destination', (Join-Path $TestDrive 'out-quiet.bin'))
                $results = $ps.Invoke()
                $results.Count | Should -Be 1
                $ps.Streams.Progress.Count | Should -Be 0
                # Instead, status lines for a runbook's log: the information stream, tagged, the last one when it ends.
                $status = @($ps.Streams.Information | Where-Object { $_.Tags -contains 'Status' })
                $status.Count | Should -BeGreaterThan 0
                $status[-1].Tags | Should -Contain 'StreamFiles'
                [string]$status[-1].MessageData | Should -BeLike '*finished:*'
            }
            finally {
                $ps.Dispose()
            }
        }
    }

    Context 'Binding' {
        BeforeAll {
            $script:BindDir = Join-Path $TestDrive 'bind'
            New-Item -ItemType Directory -Path $script:BindDir | Out-Null
            New-RandomFile -LiteralPath (Join-Path $script:BindDir 'one.dat') -Length 10 -Seed 3 | Out-Null
            New-RandomFile -LiteralPath (Join-Path $script:BindDir 'two.dat') -Length 20 -Seed 4 | Out-Null
            [System.IO.File]::WriteAllText((Join-Path $script:BindDir 'a[1].txt'), 'literal')
            [System.IO.File]::WriteAllText((Join-Path $script:BindDir 'a1.txt'), 'wildcard')
        }

        It 'takes FileInfo objects from Get-ChildItem' {
            $results = @(Get-ChildItem -LiteralPath $script:BindDir -Filter '*.dat' | Send-StreamFile -Destination (Join-Path $TestDrive 'out/'))
            $results.Count | Should -Be 2
            @($results | Where-Object { $_.Status -eq 'Completed' }).Count | Should -Be 2
        }

        It 'takes path strings from the pipeline and binds the first two positions' {
            $result = (Join-Path $script:BindDir 'one.dat') | Send-StreamFile -Destination (Join-Path $TestDrive 'out1.dat')
            $result.Status | Should -Be 'Completed'
            (Send-StreamFile (Join-Path $script:BindDir 'two.dat') (Join-Path $TestDrive 'out2.dat')).Status | Should -Be 'Completed'
        }

        It 'reads brackets as a wildcard in -Path and literally in -LiteralPath' {
            Send-StreamFile -Path (Join-Path $script:BindDir 'a[1].txt') -Destination (Join-Path $TestDrive 'out-w.txt') | Out-Null
            Send-StreamFile -LiteralPath (Join-Path $script:BindDir 'a[1].txt') -Destination (Join-Path $TestDrive 'out-l.txt') | Out-Null
            [System.IO.File]::ReadAllText((Join-Path $TestDrive 'out-w.txt')) | Should -BeExactly 'wildcard'
            [System.IO.File]::ReadAllText((Join-Path $TestDrive 'out-l.txt')) | Should -BeExactly 'literal'
        }
    }
}
