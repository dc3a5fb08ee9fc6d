using System;
using System.IO;
using StreamFiles.Core.Locations;

namespace StreamFiles.Core.Tests.Locations
{
    public sealed class LocationTests
    {
        private static readonly string Base = Path.Combine(Path.GetTempPath(), "base dir");

        [Theory]
        [InlineData("file.bin", false)]
        [InlineData("sub/file.bin", false)]
        [InlineData("sub/", true)]
        [InlineData(".", true)]
        [InlineData("..", true)]
        [InlineData("a/..", true)]
        public void RelativePathsResolveAgainstTheBase(string text, bool container)
        {
            var location = Assert.IsType<FileLocation>(Location.Parse(text, Base));
            Assert.Equal(LocationKind.FileSystem, location.Kind);
            Assert.Equal(Path.GetFullPath(Path.Combine(Base, text)).TrimEnd('/'), location.Path);
            Assert.Equal(container, location.IsContainer);
            Assert.False(location.IsUnc);
        }

        [Fact]
        public void AbsolutePathsAndUnicodeNamesAreKept()
        {
            var location = (FileLocation)Location.Parse("/tmp/dir/naïve file ☃.bin");
            Assert.Equal("/tmp/dir/naïve file ☃.bin", location.Path);
            Assert.Equal("naïve file ☃.bin", location.Name);
            Assert.Equal(location.Path, location.Display);
        }

        [Theory]
        [InlineData("~")]
        [InlineData("~/")]
        [InlineData("~/docs/a.txt")]
        public void TildeIsTheHomeDirectory(string text)
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            var location = (FileLocation)Location.Parse(text, Base);
            Assert.StartsWith(home, location.Path, StringComparison.Ordinal);
            Assert.Equal(text.Length <= 2, location.IsContainer);
        }

        [Fact]
        public void FileUrisArePaths()
        {
            var location = (FileLocation)Location.Parse("file:///tmp/x%20y.bin");
            Assert.Equal("/tmp/x y.bin", location.Path);
        }

        [Theory]
        [InlineData("s3://bucket/key.bin", "bucket", "key.bin", false)]
        [InlineData("s3://bucket/dir/sub/key", "bucket", "dir/sub/key", false)]
        [InlineData("s3://bucket/prefix/", "bucket", "prefix/", true)]
        [InlineData("s3://bucket/", "bucket", "", true)]
        [InlineData("s3://bucket", "bucket", "", true)]
        [InlineData("S3://My_Bucket.1/a b/c", "My_Bucket.1", "a b/c", false)]
        public void S3LocationsNameBucketAndKey(string text, string bucket, string key, bool container)
        {
            var location = Assert.IsType<S3Location>(Location.Parse(text));
            Assert.Equal(bucket, location.Bucket);
            Assert.Equal(key, location.Key);
            Assert.Equal(container, location.IsContainer);
            Assert.Equal("s3://" + bucket + "/" + key, location.Display);
        }

        [Theory]
        [InlineData("s3://", "names no bucket")]
        [InlineData("s3:///key", "names no bucket")]
        [InlineData("s3:/bucket/key", "must be followed by '//'")]
        [InlineData("s3:bucket", "must be followed by '//'")]
        [InlineData("s3://bu cket/key", "contains ' '")]
        [InlineData("s3://bucket/ke\ty", "control character")]
        [InlineData("http://", "not a valid URL")]
        [InlineData("https:/host/x", "must be followed by '//'")]
        [InlineData("", "it is empty")]
        [InlineData("   ", "it is empty")]
        public void MalformedLocationsAreRefusedWithTheInputAndTheFix(string text, string problem)
        {
            var error = Assert.Throws<LocationFormatException>(() => Location.Parse(text)).Error;
            Assert.Equal("InvalidLocation", error.Condition);
            Assert.Equal(StreamFiles.Core.Operations.FailureCategory.InvalidArgument, error.Category);
            Assert.Contains(problem, error.Message, StringComparison.Ordinal);
            Assert.Contains("'" + text + "'", error.Message, StringComparison.Ordinal);
        }

        /// <summary>An S3 destination key with path segments S3 would store literally is refused, with the key meant.</summary>
        [Theory]
        [InlineData("s3://b/a/../c", "a '..' segment", "s3://b/c")]
        [InlineData("s3://b//x/", "an empty segment ('//')", "s3://b/x/")]
        [InlineData("s3://b/a/./", "a '.' segment", "s3://b/a/")]
        [InlineData("s3://b/x/..", "a '..' segment", "s3://b/")]
        public void AnS3DestinationKeyWithPathSegmentsIsRefusedWithTheKeyMeant(string text, string problem, string suggested)
        {
            var error = Assert.Throws<LocationFormatException>(() => Location.ParseDestination(text)).Error;
            Assert.Equal("InvalidLocation", error.Condition);
            Assert.Contains("its key has " + problem, error.Message, StringComparison.Ordinal);
            Assert.Contains("write '" + suggested + "'.", error.Message, StringComparison.Ordinal);
            Assert.IsType<S3Location>(Location.Parse(text)); // as a source, the key is read as written
        }

        [Fact]
        public void UnknownSchemesSayWhatIsSupported()
        {
            var error = Assert.Throws<LocationFormatException>(() => Location.Parse("ftp://host/file")).Error;
            Assert.Equal("UnsupportedLocation", error.Condition);
            Assert.Contains("s3://", error.Message, StringComparison.Ordinal);
            Assert.Contains("./ftp://host/file", error.Message, StringComparison.Ordinal);

            // Its query may be a signature, and the hint repeats the name: neither shows it.
            error = Assert.Throws<LocationFormatException>(() => Location.Parse("ftp://host/file.bin?token=secret")).Error;
            Assert.Equal("ftp://host/file.bin", error.Target);
            Assert.Contains("./ftp://host/file.bin.", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AColonWithoutSlashesIsAFileName()
        {
            var location = Assert.IsType<FileLocation>(Location.Parse("notes:v2.txt", Base));
            Assert.Equal("notes:v2.txt", location.Name);
        }

        [Fact]
        public void HttpLocationsNeverShowQueryOrCredentials()
        {
            var location = Assert.IsType<HttpLocation>(Location.Parse("https://user:secret@example.com:8443/dir/file%20name.iso?X-Amz-Signature=abc&token=t#frag"));
            Assert.Equal("https://example.com:8443/dir/file%20name.iso", location.Display);
            Assert.Equal("file name.iso", location.Name);
            Assert.Contains("X-Amz-Signature", location.Uri.Query, StringComparison.Ordinal);
            Assert.DoesNotContain("secret", location.ToString(), StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("https://h.example/a?sig=1", "https://h.example/a")]
        [InlineData("http://u:p@h.example:80/a/b/", "http://h.example/a/b/")]
        [InlineData("sftp://u:p@h/x?y", "sftp://h/x")]
        [InlineData("/plain/path?not-a-query", "/plain/path?not-a-query")]
        public void RedactTextDropsSecretsFromAnythingThatLooksLikeAUri(string text, string shown) =>
            Assert.Equal(shown, UriRedaction.RedactText(text));

        [Fact]
        public void MalformedUrlErrorsAreRedactedToo()
        {
            var error = Assert.Throws<LocationFormatException>(() => Location.Parse("s3:/bucket/key?secret=1")).Error;
            Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void ChildrenOfADirectoryUseTheRelativeLayout()
        {
            var root = (FileLocation)Location.Parse("/data/out/");
            Assert.Equal("/data/out/a/b c/d.txt", ((FileLocation)root.Child("a/b c/d.txt")).Path);
            Assert.Equal("s3://b/p/a/b.txt", Location.Parse("s3://b/p/").Child("a/b.txt").Display);
            Assert.Equal("s3://b/p/a/b.txt", Location.Parse("s3://b/p").Child("a/b.txt").Display);
            Assert.Equal("https://h/d/a%20b/c", Location.Parse("https://h/d/").Child("a b/c").Display);
        }

        [Theory]
        [InlineData("../escape")]
        [InlineData("a/../../escape")]
        [InlineData("a/./b")]
        [InlineData("/rooted")]
        [InlineData("")]
        public void ChildrenThatWouldLeaveTheContainerAreRefused(string relative)
        {
            var error = Assert.Throws<LocationFormatException>(() => Location.Parse("/data/out/").Child(relative)).Error;
            Assert.Equal("UnsafeRelativePath", error.Condition);
            Assert.Equal(StreamFiles.Core.Operations.FailureCategory.SecurityError, error.Category);
        }

        /// <summary>
        /// A backslash separates directories on Windows only: there "a\..\b" climbs and is refused; elsewhere it is one
        /// file name, as cp and rsync copy it (local trees with such names were refused, UnsafeRelativePath).
        /// </summary>
        [Fact]
        public void ABackslashInAChildNameIsRefusedOnlyOnWindows()
        {
            if (Location.IsWindows)
            {
                Assert.Equal("UnsafeRelativePath", Assert.Throws<LocationFormatException>(() => Location.Parse(@"C:\data\out\").Child("a\\..\\b")).Error.Condition);
            }
            else
            {
                Assert.Equal("/data/out/sub/a\\..\\b", ((FileLocation)Location.Parse("/data/out/").Child("sub/a\\..\\b")).Path);
            }
        }

        [Fact]
        public void UncPathsOutsideWindowsSayHowToReachTheShare()
        {
            if (OperatingSystem.IsWindows())
            {
                Assert.True(((FileLocation)Location.Parse(@"\\server\share\dir\f.bin")).IsUnc);
                return;
            }

            var error = Assert.Throws<LocationFormatException>(() => Location.Parse(@"\\server\share\dir\f.bin")).Error;
            Assert.Equal("UncPathNotSupported", error.Condition);
            Assert.Contains("mount", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void DoubleSlashIsAPosixPathOnUnix()
        {
            if (OperatingSystem.IsWindows())
            {
                return;
            }

            Assert.IsType<FileLocation>(Location.Parse("//tmp//x"));
        }
    }

    public sealed class UncPathTests
    {
        [Theory]
        [InlineData(@"\\server\share\dir\file.bin", @"\\server\share\dir\file.bin")]
        [InlineData(@"\\server\share", @"\\server\share\")]
        [InlineData(@"\\server\share\", @"\\server\share\")]
        [InlineData(@"//server/share/dir/file.bin", @"\\server\share\dir\file.bin")]
        [InlineData(@"\\server\share\\dir\\\file", @"\\server\share\dir\file")]
        [InlineData(@"\\server\share\a\.\b\..\c", @"\\server\share\a\c")]
        [InlineData(@"\\server\share\..\..\x", @"\\server\share\x")]
        [InlineData(@"\\?\UNC\server\share\long\path", @"\\server\share\long\path")]
        [InlineData(@"\\server\share\dir\", @"\\server\share\dir\")]
        [InlineData(@"\\10.0.0.5\d$\backups\a b ☃.bak", @"\\10.0.0.5\d$\backups\a b ☃.bak")]
        public void NormalisesLikeWindows(string text, string normalised)
        {
            Assert.True(UncPath.TryParse(text, out UncPath? path, out string? problem), problem);
            Assert.Equal(normalised, path!.ToString());
        }

        [Fact]
        public void PartsAreServerShareAndSegments()
        {
            Assert.True(UncPath.TryParse(@"\\fs01\exports\sql\daily.bak", out UncPath? path, out _));
            Assert.Equal("fs01", path!.Server);
            Assert.Equal("exports", path.Share);
            Assert.Equal(new[] { "sql", "daily.bak" }, path.Segments);
        }

        [Theory]
        [InlineData(@"\\server", "names a server and a share")]
        [InlineData(@"\\server\", "names a server and a share")]
        [InlineData(@"\\\share\x", "names a server and a share")]
        [InlineData(@"\\server\share\bad|name", "does not allow")]
        [InlineData(@"\\server\sh*re\x", "must be a server name and a share name")]
        [InlineData(@"C:\dir", "starts with two backslashes")]
        public void MalformedSharePathsAreRefused(string text, string problem)
        {
            Assert.False(UncPath.TryParse(text, out _, out string? message));
            Assert.Contains(problem, message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData(@"\\server\share", true, true)]
        [InlineData(@"//server/share", true, true)]
        [InlineData(@"//server/share", false, false)]
        [InlineData(@"\\?\UNC\server\share", false, true)]
        [InlineData(@"\\?\C:\dir", true, false)]
        [InlineData(@"\\.\pipe\x", true, false)]
        [InlineData(@"C:\dir", true, false)]
        public void RecognisesShareSpellings(string text, bool windows, bool unc) =>
            Assert.Equal(unc, UncPath.LooksLikeUnc(text, forwardSlashes: windows));
    }
}
