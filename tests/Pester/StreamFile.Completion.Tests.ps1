#Requires -Modules Pester
# Tab completion of Send-StreamFile -Destination and Receive-StreamFile -Source: s3:// words list buckets,
# prefixes and keys from the S3 server named by STREAMFILES_TEST_S3_ENDPOINT (+ _ACCESS_KEY, _SECRET_KEY,
# _REGION, _BUCKET; skipped without one); every other word still completes as a path.

BeforeDiscovery {
    $script:NoServer = [string]::IsNullOrWhiteSpace($env:STREAMFILES_TEST_S3_ENDPOINT)
}

BeforeAll {
    Import-Module (Join-Path -Path $PSScriptRoot -ChildPath 'TestHelpers.psm1') -Force
    Import-Module (Get-StreamFilesModulePath) -Force -ErrorAction Stop
    $ProgressPreference = 'SilentlyContinue'

    function Get-CompletionText {
        param([Parameter(Mandatory = $true)] [string] $InputScript)
        $completion = TabExpansion2 -inputScript $InputScript -cursorColumn $InputScript.Length
        @($completion.CompletionMatches | ForEach-Object { $_.CompletionText })
    }
}

AfterAll {
    Remove-Module StreamFiles -ErrorAction SilentlyContinue
}

Describe 'Tab completion of s3:// locations' -Tags 'CI' -Skip:$script:NoServer {

    BeforeAll {
        $script:Endpoint = $env:STREAMFILES_TEST_S3_ENDPOINT
        $script:Bucket = if ($env:STREAMFILES_TEST_S3_BUCKET) { $env:STREAMFILES_TEST_S3_BUCKET } else { 'streamfiles-test' }
        $script:Region = if ($env:STREAMFILES_TEST_S3_REGION) { $env:STREAMFILES_TEST_S3_REGION } else { 'us-east-1' }
        $script:Saved = @{ Id = $env:AWS_ACCESS_KEY_ID; Secret = $env:AWS_SECRET_ACCESS_KEY; Endpoint = $env:AWS_ENDPOINT_URL; S3Endpoint = $env:AWS_ENDPOINT_URL_S3 }
        # The tests name the endpoint themselves: one from the environment would answer where they expect none.
        $env:AWS_ENDPOINT_URL = $null
        $env:AWS_ENDPOINT_URL_S3 = $null
        $env:AWS_ACCESS_KEY_ID = if ($env:STREAMFILES_TEST_S3_ACCESS_KEY) { $env:STREAMFILES_TEST_S3_ACCESS_KEY } else { 'test' }
        $env:AWS_SECRET_ACCESS_KEY = if ($env:STREAMFILES_TEST_S3_SECRET_KEY) { $env:STREAMFILES_TEST_S3_SECRET_KEY } else { 'test' }
        $script:Prefix = 'pester/' + [guid]::NewGuid().ToString('N') + '/'
        $script:Connect = "-EndpointUrl '$($script:Endpoint)' -Region '$($script:Region)'"

        $plain = New-RandomFile -LiteralPath (Join-Path $TestDrive 'one.bin') -Length 100 -Seed 61
        $quoted = New-RandomFile -LiteralPath (Join-Path $TestDrive "it's here.bin") -Length 100 -Seed 62
        $S3 = @{ EndpointUrl = $script:Endpoint; Region = $script:Region }
        Send-StreamFile -LiteralPath $plain.FullName -Destination "s3://$($script:Bucket)/$($script:Prefix)sub/" @S3 | Out-Null
        Send-StreamFile -LiteralPath $quoted.FullName -Destination "s3://$($script:Bucket)/$($script:Prefix)" @S3 | Out-Null
    }

    AfterAll {
        $env:AWS_ACCESS_KEY_ID = $script:Saved.Id
        $env:AWS_SECRET_ACCESS_KEY = $script:Saved.Secret
        $env:AWS_ENDPOINT_URL = $script:Saved.Endpoint
        $env:AWS_ENDPOINT_URL_S3 = $script:Saved.S3Endpoint
    }

    It 'completes bucket names after s3://' {
        $found = Get-CompletionText "Receive-StreamFile $($script:Connect) -Source s3://"
        $found | Should -Contain "s3://$($script:Bucket)/"
    }

    It 'completes part of a bucket name' {
        $partial = $script:Bucket.Substring(0, 3)
        $found = Get-CompletionText "Receive-StreamFile $($script:Connect) -Source s3://$partial"
        $found | Should -Contain "s3://$($script:Bucket)/"
    }

    It 'completes prefixes and keys, quoting a key that needs it' {
        $found = Get-CompletionText "Receive-StreamFile $($script:Connect) -Source s3://$($script:Bucket)/$($script:Prefix)"
        $found | Should -Contain "s3://$($script:Bucket)/$($script:Prefix)sub/"
        $found | Should -Contain "'s3://$($script:Bucket)/$($script:Prefix)it''s here.bin'"
    }

    It 'completes the keys under a prefix' {
        $found = Get-CompletionText "Receive-StreamFile $($script:Connect) -Source s3://$($script:Bucket)/$($script:Prefix)sub/"
        $found | Should -Be @("s3://$($script:Bucket)/$($script:Prefix)sub/one.bin")
    }

    It 'takes the endpoint and region from $PSDefaultParameterValues, as the command will' {
        $saved = $global:PSDefaultParameterValues.Clone()
        try {
            $global:PSDefaultParameterValues['*-StreamFile:EndpointUrl'] = $script:Endpoint
            $global:PSDefaultParameterValues['*-StreamFile:Region'] = $script:Region
            $found = Get-CompletionText "Receive-StreamFile -Source s3://$($script:Bucket)/$($script:Prefix)sub/"
            $found | Should -Be @("s3://$($script:Bucket)/$($script:Prefix)sub/one.bin")

            # As PowerShell binds them: Disabled turns the defaults off, and so does a second key with another value.
            $global:PSDefaultParameterValues['Disabled'] = $true
            @(Get-CompletionText "Receive-StreamFile -Source s3://$($script:Bucket)/$($script:Prefix)sub/") | Should -Not -Contain "s3://$($script:Bucket)/$($script:Prefix)sub/one.bin"
            $global:PSDefaultParameterValues.Remove('Disabled')
            $global:PSDefaultParameterValues['Receive-StreamFile:EndpointUrl'] = 'http://127.0.0.1:9'
            @(Get-CompletionText "Receive-StreamFile -Source s3://$($script:Bucket)/$($script:Prefix)sub/") | Should -Not -Contain "s3://$($script:Bucket)/$($script:Prefix)sub/one.bin"
        }
        finally {
            $global:PSDefaultParameterValues = $saved
        }
    }

    It 'completes Send-StreamFile -Destination' {
        $found = Get-CompletionText "Send-StreamFile -Path ./one.bin $($script:Connect) -Destination s3://$($script:Bucket)/$($script:Prefix)s"
        $found | Should -Be @("s3://$($script:Bucket)/$($script:Prefix)sub/")
    }

    It 'offers nothing when the endpoint cannot be reached' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start()
        $port = $listener.LocalEndpoint.Port
        $listener.Stop()
        Push-Location -LiteralPath $TestDrive
        try {
            $found = Get-CompletionText "Receive-StreamFile -EndpointUrl 'http://127.0.0.1:$port' -Source s3://"
        }
        finally {
            Pop-Location
        }
        $found | Should -BeNullOrEmpty
    }
}

Describe 'Tab completion of paths' -Tags 'CI' {

    BeforeAll {
        New-RandomFile -LiteralPath (Join-Path $TestDrive 'complete-me.bin') -Length 10 -Seed 63 | Out-Null
        New-Item -ItemType Directory -Path (Join-Path $TestDrive 'complete-dir') -Force | Out-Null
    }

    BeforeEach {
        Push-Location -LiteralPath $TestDrive
    }

    AfterEach {
        Pop-Location
    }

    It 'completes a local file for Receive-StreamFile -Source' {
        $found = Get-CompletionText 'Receive-StreamFile -Source complete-m'
        ($found -join ' ') | Should -Match 'complete-me\.bin'
    }

    It 'completes a local directory for Receive-StreamFile -Destination' {
        $found = Get-CompletionText 'Receive-StreamFile -Source ./complete-me.bin -Destination complete-d'
        ($found -join ' ') | Should -Match 'complete-dir'
    }

    It 'completes a local file for Send-StreamFile -Path and -Destination' {
        ((Get-CompletionText 'Send-StreamFile -Path complete-m') -join ' ') | Should -Match 'complete-me\.bin'
        ((Get-CompletionText 'Send-StreamFile -Path ./complete-me.bin -Destination complete-d') -join ' ') | Should -Match 'complete-dir'
    }
}

Describe 'Tab completion of literal paths' -Tags 'CI' {

    BeforeAll {
        $script:Root = Join-Path $TestDrive 'literal'
        $null = New-Item -ItemType Directory -Path (Join-Path $script:Root 'd[x]') -Force
        $null = New-Item -ItemType File -Path (Join-Path $script:Root 'a.bin') -Force
        Push-Location -LiteralPath $script:Root
    }

    AfterAll {
        Pop-Location
    }

    It 'completes -Destination of <Command> without wildcard escapes, as it is taken literally' -TestCases @(
        @{ Command = 'Send-StreamFile a.bin -Destination ./d' }
        @{ Command = 'Receive-StreamFile a.bin -Destination ./d' }
        @{ Command = 'ConvertTo-StreamBase64 a.bin -OutFile ./d' }
        @{ Command = 'ConvertFrom-StreamBase64 a.bin -OutFile ./d' }
    ) {
        $texts = Get-CompletionText -InputScript $Command
        $texts | Should -Contain "'./d[x]'"
        ($texts -join ' ') | Should -Not -Match '`'
    }

    It 'keeps the escapes for -Path, which takes wildcards' {
        Get-CompletionText -InputScript 'Send-StreamFile -Path ./d' | Should -Contain "'./d``[x``]'"
    }
}
