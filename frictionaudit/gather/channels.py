"""Turn a channel's settings into a Playwright browser context: device, viewport, locale, network."""

from __future__ import annotations

from typing import Any

from frictionaudit.config.models import ChannelConfig, Config
from frictionaudit.results import ChannelInfo

# Chrome DevTools' presets (download/upload in bytes per second, latency in ms).
NETWORK_PROFILES: dict[str, dict[str, float]] = {
    "slow-3g": {
        "latency": 400 * 5,
        "downloadThroughput": 500 * 1024 / 8 * 0.8,
        "uploadThroughput": 500 * 1024 / 8 * 0.8,
    },
    "fast-3g": {
        "latency": 150 * 4,
        "downloadThroughput": 1.6 * 1024 * 1024 / 8 * 0.9,
        "uploadThroughput": 750 * 1024 / 8 * 0.9,
    },
    "4g": {
        "latency": 60,
        "downloadThroughput": 9 * 1024 * 1024 / 8,
        "uploadThroughput": 1.5 * 1024 * 1024 / 8,
    },
}


def channel_base_url(config: Config, channel: ChannelConfig) -> str:
    return (channel.base_url or config.base_url).rstrip("/")


def context_options(channel: ChannelConfig, devices: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for ``browser.new_context`` emulating the channel."""
    options: dict[str, Any] = {}
    if channel.device:
        descriptor = dict(devices[channel.device])
        descriptor.pop("default_browser_type", None)
        options.update(descriptor)
    if channel.viewport:
        options["viewport"] = {"width": channel.viewport.width, "height": channel.viewport.height}
        if channel.device:
            options["screen"] = options["viewport"]
    if "viewport" not in options:
        options["viewport"] = {"width": 1366, "height": 768}
    for field, key in (
        ("user_agent", "user_agent"),
        ("locale", "locale"),
        ("timezone", "timezone_id"),
        ("is_mobile", "is_mobile"),
        ("has_touch", "has_touch"),
        ("device_scale_factor", "device_scale_factor"),
        ("color_scheme", "color_scheme"),
    ):
        value = getattr(channel, field)
        if value is not None:
            options[key] = value
    return options


def channel_info(name: str, config: Config, options: dict[str, Any]) -> ChannelInfo:
    channel = config.channels[name]
    return ChannelInfo(
        name=name,
        device=channel.device,
        base_url=channel_base_url(config, channel),
        is_mobile=bool(options.get("is_mobile", False)),
        viewport=dict(options.get("viewport") or {}),
        locale=channel.locale,
        weight=channel.weight,
    )


async def apply_network(context: Any, page: Any, channel: ChannelConfig) -> None:
    """Throttle the page's network for a ``network:`` channel (Chromium's DevTools protocol)."""
    if not channel.network:
        return
    session = await context.new_cdp_session(page)
    await session.send("Network.enable")
    await session.send("Network.emulateNetworkConditions", {"offline": False, **NETWORK_PROFILES[channel.network]})
