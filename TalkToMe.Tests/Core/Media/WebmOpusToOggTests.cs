using System.Buffers.Binary;
using TalkToMe.Core.Media;
using static TalkToMe.Tests.Core.Media.TestWebm;

namespace TalkToMe.Tests.Core.Media;

/// <summary>
/// A browser's WebM/Opus recording rewrapped as Ogg Opus (issue 14, voice notes): WebM files written byte by byte here, the
/// Ogg pages read back and every CRC recomputed.
/// </summary>
public sealed class WebmOpusToOggTests
{
    private static readonly byte[] OpusHead = TestWebm.OpusHead;

    // CELT-only 20 ms frames, one per packet (config 31, code 0): 960 samples each. Then a packet of 3 frames of 10 ms
    // (config 30, code 3, count 3): 1440 samples.
    private static readonly byte[] Packet20Ms = [0xF8, 0x11, 0x22, 0x33];
    private static readonly byte[] Packet3x10Ms = [0xF3, 0x03, 0xAA, 0xBB, 0xCC];

    [Fact]
    public async Task ConvertAsync_MediaRecorderShape_WritesHeaderPagesThenAudioWithGranulesAndEos()
    {
        // What Chromium's MediaRecorder writes: Segment and Clusters of unknown size, SimpleBlocks.
        var webm = Webm(unknownSizes: true,
            Cluster(0, SimpleBlock(1, 0, Packet20Ms), SimpleBlock(1, 20, Packet20Ms)),
            Cluster(40, SimpleBlock(1, 0, Packet3x10Ms)));

        var pages = ReadPages(await ConvertAsync(webm));

        Assert.Equal(3, pages.Count);
        Assert.Equal([0x02, 0x00, 0x04], pages.Select(p => p.Flags));
        Assert.Equal([0u, 1u, 2u], pages.Select(p => p.Sequence));
        Assert.All(pages, p => Assert.Equal(WebmOpusToOgg.SerialNumber, p.Serial));
        Assert.Equal(OpusHead, Assert.Single(pages[0].Packets));
        var tags = Assert.Single(pages[1].Packets);
        Assert.StartsWith("OpusTags", System.Text.Encoding.ASCII.GetString(tags));
        Assert.Equal(0, pages[0].Granule);
        Assert.Equal(0, pages[1].Granule);
        Assert.Equal([Packet20Ms, Packet20Ms, Packet3x10Ms], pages[2].Packets);
        // 960 + 960 + 1440 samples at 48 kHz; the pre-skip is among the samples counted, as RFC 7845 counts it.
        Assert.Equal(3360, pages[2].Granule);
    }

    [Fact]
    public async Task ConvertAsync_SizedElementsAndBlockGroups_OtherTracksLeftOut()
    {
        var webm = Webm(unknownSizes: false,
            Cluster(0, SimpleBlock(2, 0, [0x01, 0x02]), BlockGroup(1, 0, Packet20Ms)),
            Cluster(20, SimpleBlock(1, 0, Packet20Ms)));

        var pages = ReadPages(await ConvertAsync(webm));

        Assert.Equal([Packet20Ms, Packet20Ms], pages[2].Packets);
        Assert.Equal(1920, pages[2].Granule);
        Assert.Equal(0x04, pages[^1].Flags);
    }

    [Fact]
    public async Task ConvertAsync_ManyPackets_SpreadOverPagesOf255Segments_GranulesRise()
    {
        // 300 packets of 300 bytes take 2 lacing values each: 127 packets fill a page.
        var packet = new byte[300];
        packet[0] = 0xF8;
        var blocks = Enumerable.Range(0, 300).Select(i => SimpleBlock(1, (short)(i % 1000), packet)).ToArray();
        var webm = Webm(unknownSizes: true, Cluster(0, blocks));

        var pages = ReadPages(await ConvertAsync(webm));

        var audio = pages.Skip(2).ToList();
        Assert.Equal(3, audio.Count);
        Assert.Equal([127, 127, 46], audio.Select(p => p.Packets.Count));
        Assert.Equal([127 * 960L, 254 * 960L, 300 * 960L], audio.Select(p => p.Granule));
        Assert.Equal([0x00, 0x00, 0x04], audio.Select(p => p.Flags));
        Assert.All(audio.SelectMany(p => p.Packets), p => Assert.Equal(packet, p));
    }

    [Fact]
    public async Task ConvertAsync_APacketOf255Bytes_EndsWithAZeroLacingValue()
    {
        var packet = new byte[255];
        packet[0] = 0xF8;
        var pages = ReadPages(await ConvertAsync(Webm(unknownSizes: true, Cluster(0, SimpleBlock(1, 0, packet), SimpleBlock(1, 20, Packet20Ms)))));

        Assert.Equal([packet, Packet20Ms], pages[2].Packets);
        Assert.Equal([255, 0, 4], pages[2].Lacing);
    }

    [Fact]
    public async Task ConvertAsync_OutputIsSniffedAsOgg_AndGoesOutAsAVoiceNote()
    {
        var ogg = await ConvertAsync(Webm(unknownSizes: true, Cluster(0, SimpleBlock(1, 0, Packet20Ms))));

        var type = MediaSniffer.Decide("audio/webm", ogg.AsSpan(0, 16));
        Assert.Equal("audio/ogg", type);
        Assert.Equal(MediaKind.Voice, MediaLimits.KindOf(type));
    }

    [Theory]
    [InlineData(0xF8, 960)] // CELT 20 ms, one frame
    [InlineData(0xE0, 120)] // CELT 2.5 ms
    [InlineData(0x08, 960)] // SILK NB 20 ms
    [InlineData(0x18, 2880)] // SILK NB 60 ms
    [InlineData(0x79, 1920)] // Hybrid FB 20 ms, two frames (code 1)
    [InlineData(0x62, 960)] // Hybrid SWB 10 ms, two frames (code 2)
    public void SamplesOf_TocByte_GivesTheSamplesAt48kHz(byte toc, int samples) =>
        Assert.Equal(samples, WebmOpusToOgg.SamplesOf([toc, 0x00]));

    [Fact]
    public void SamplesOf_ImpossibleLength_IsRefused()
    {
        // Code 3 with 7 frames of 20 ms is 140 ms, over Opus's 120 ms.
        Assert.Throws<InvalidDataException>(() => WebmOpusToOgg.SamplesOf([0xFB, 0x07]));
        Assert.Throws<InvalidDataException>(() => WebmOpusToOgg.SamplesOf([0xFB, 0x00]));
    }

    [Fact]
    public void OggCrc_KnownVector()
    {
        // CRC-32/MPEG-2 differs only by its start value; Ogg's variant (start 0, no final xor) of "123456789" is 0x89A1897F.
        var bytes = new byte[26 + 9];
        "123456789"u8.CopyTo(bytes.AsSpan(26));
        // The CRC field (bytes 22-25) is zero, so it is the CRC of 26 zero bytes (0 stays 0) followed by the digits.
        Assert.Equal(0x89A1897Fu, OggCrc.Compute(bytes));
    }

    public static TheoryData<string, byte[]> Refused => new()
    {
        { "empty", [] },
        { "garbage", "this is not a webm file at all"u8.ToArray() },
        { "an Ogg file", "OggS\0\u0002"u8.ToArray() },
        { "Matroska with Vorbis", Webm(unknownSizes: true, codec: "A_VORBIS", Cluster(0, SimpleBlock(1, 0, Packet20Ms))) },
        { "no audio", Webm(unknownSizes: true) },
        { "another doc type", [.. Element(0x1A45DFA3, Element(0x4282, "mkv3d"u8.ToArray())), .. Element(0x18538067, [])] },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task ConvertAsync_NotWebmOpus_IsRefused(string what, byte[] input)
    {
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => ConvertAsync(input));
        Assert.False(string.IsNullOrWhiteSpace(error.Message), what);
    }

    [Fact]
    public async Task ConvertAsync_Truncated_IsRefused()
    {
        var webm = Webm(unknownSizes: false, Cluster(0, SimpleBlock(1, 0, Packet20Ms), SimpleBlock(1, 20, Packet20Ms)));
        for (var cut = 1; cut < webm.Length - 1; cut += 7)
        {
            await Assert.ThrowsAsync<InvalidDataException>(() => ConvertAsync(webm[..cut]));
        }
    }

    private static async Task<byte[]> ConvertAsync(byte[] webm)
    {
        using var output = new MemoryStream();
        await WebmOpusToOgg.ConvertAsync(new MemoryStream(webm), output);
        return output.ToArray();
    }

    private sealed record Page(byte Flags, long Granule, uint Serial, uint Sequence, List<byte> Lacing, List<byte[]> Packets);

    /// <summary>Reads Ogg pages back, checking the capture pattern and each page's CRC; packets never span pages here.</summary>
    private static List<Page> ReadPages(byte[] ogg)
    {
        var pages = new List<Page>();
        var at = 0;
        while (at < ogg.Length)
        {
            var header = ogg.AsSpan(at);
            Assert.True(header.StartsWith("OggS"u8), $"capture pattern at {at}");
            Assert.Equal(0, header[4]);
            var count = header[26];
            var lacing = header.Slice(27, count).ToArray().ToList();
            var length = 27 + count + lacing.Sum(l => l);
            var page = ogg.AsSpan(at, length);
            Assert.Equal(BinaryPrimitives.ReadUInt32LittleEndian(page[22..]), OggCrc.Compute(page));
            var packets = new List<byte[]>();
            var body = 27 + count;
            var current = new List<byte>();
            foreach (var l in lacing)
            {
                current.AddRange(page.Slice(body, l).ToArray());
                body += l;
                if (l < 255)
                {
                    packets.Add([.. current]);
                    current.Clear();
                }
            }

            Assert.Empty(current);
            pages.Add(new Page(header[5], BinaryPrimitives.ReadInt64LittleEndian(header[6..]), BinaryPrimitives.ReadUInt32LittleEndian(header[14..]),
                BinaryPrimitives.ReadUInt32LittleEndian(header[18..]), lacing, packets));
            at += length;
        }

        return pages;
    }
}

/// <summary>WebM files written by hand, element by element, as MediaRecorder (unknown sizes) or a muxer (sized) writes them.</summary>
public static class TestWebm
{
    public static readonly byte[] OpusHead =
    [
        .. "OpusHead"u8, 1, 1, 0x38, 0x01, 0x80, 0xBB, 0, 0, 0, 0, 0, // version 1, mono, pre-skip 312, 48 kHz, gain 0, family 0
    ];

    /// <summary>A short recording as Chromium writes it: one cluster of two 20 ms Opus packets.</summary>
    public static byte[] Recording() => Webm(unknownSizes: true, Cluster(0, SimpleBlock(1, 0, [0xF8, 0x11, 0x22]), SimpleBlock(1, 20, [0xF8, 0x33, 0x44])));

    public static byte[] Webm(bool unknownSizes, params byte[][] clusters) => Webm(unknownSizes, "A_OPUS", clusters);

    public static byte[] Webm(bool unknownSizes, string codec, params byte[][] clusters)
    {
        byte[] ebml = Element(0x1A45DFA3, [.. Element(0x4286, [1]), .. Element(0x4282, "webm"u8.ToArray()), .. Element(0x4287, [4])]);
        byte[] info = Element(0x1549A966, [.. Element(0x2AD7B1, [0x0F, 0x42, 0x40]), .. Element(0x4D80, "test"u8.ToArray())]);
        byte[] tracks = Element(0x1654AE6B, Element(0xAE,
        [
            .. Element(0xD7, [1]), .. Element(0x73C5, [0x55]), .. Element(0x83, [2]), .. Element(0x86, System.Text.Encoding.ASCII.GetBytes(codec)),
            .. Element(0x63A2, OpusHead), .. Element(0xE1, [.. Element(0x9F, [1]), .. Element(0xB5, [0x47, 0x3B, 0x80, 0x00])]),
        ]));
        var clustersBytes = clusters.SelectMany(c => unknownSizes ? UnknownSize(c) : c).ToArray();
        byte[] body = [.. Element(0xEC, [0, 0, 0]), .. info, .. tracks, .. clustersBytes];
        return [.. ebml, .. unknownSizes ? UnknownSizeElement(0x18538067, body) : Element(0x18538067, body)];
    }

    public static byte[] Cluster(int timecode, params byte[][] blocks) =>
        Element(0x1F43B675, [.. Element(0xE7, BigEndian((ulong)timecode)), .. blocks.SelectMany(b => b)]);

    public static byte[] SimpleBlock(int track, short time, byte[] packet) => Element(0xA3, Block(track, time, 0x80, packet));

    public static byte[] BlockGroup(int track, short time, byte[] packet) =>
        Element(0xA0, [.. Element(0xA1, Block(track, time, 0x00, packet)), .. Element(0x9B, [20])]);

    public static byte[] Block(int track, short time, byte flags, byte[] packet) =>
        [(byte)(0x80 | track), (byte)(time >> 8), (byte)time, flags, .. packet];

    /// <summary>Turns a sized element (ID then 8-byte size, as Element writes) into one of unknown size.</summary>
    public static byte[] UnknownSize(byte[] element)
    {
        var idLength = 8 - (int)Math.Log2(element[0]);
        var copy = element.ToArray();
        copy[idLength] = 0x01;
        copy.AsSpan(idLength + 1, 7).Fill(0xFF);
        return copy;
    }

    public static byte[] UnknownSizeElement(uint id, byte[] payload) => UnknownSize(Element(id, payload));

    /// <summary>An EBML element with its size as an 8-byte number, as muxers that patch sizes afterwards write it.</summary>
    public static byte[] Element(uint id, byte[] payload)
    {
        var idBytes = BigEndian(id).SkipWhile(b => b == 0).ToArray();
        var size = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(size, (ulong)payload.Length);
        size[0] = 0x01;
        return [.. idBytes, .. size, .. payload];
    }

    public static byte[] BigEndian(ulong value)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        var trimmed = bytes.SkipWhile(b => b == 0).ToArray();
        return trimmed.Length == 0 ? [0] : trimmed;
    }
}
