"""Pydantic models of ``frictionaudit.yaml`` and ``journeys/*.yaml``: the user-facing contract.

Every model forbids unknown keys so a typo is an error, not a silently ignored setting. A step is a
mapping with exactly one action key (``goto``, ``click``, ...) beside the common keys (``name``,
``channels``, ``timeout``); the loader normalises short forms before validation.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _http_url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise PydanticCustomError("url_scheme", "must start with http:// or https://")
    return value.rstrip("/")


def _env_name(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise PydanticCustomError("env_name", "not an environment variable name")
    return value


# ---------------------------------------------------------------------------- config


class Viewport(Model):
    width: int = Field(gt=0, le=10_000, description="CSS pixels.")
    height: int = Field(gt=0, le=10_000, description="CSS pixels.")


NetworkProfile = Literal["slow-3g", "fast-3g", "4g"]


class ChannelConfig(Model):
    """How one channel emulates a customer's device and where it reaches the service."""

    device: str | None = Field(None, description="A Playwright device descriptor name, e.g. 'Pixel 7'.")
    viewport: Viewport | None = None
    base_url: str | None = Field(None, description="This channel's own base URL (an m. site).")
    locale: str | None = Field(None, description="e.g. nb-NO")
    timezone: str | None = Field(None, description="e.g. Europe/Oslo")
    user_agent: str | None = None
    is_mobile: bool | None = None
    has_touch: bool | None = None
    device_scale_factor: float | None = Field(None, gt=0, le=5)
    network: NetworkProfile | None = Field(None, description="Throttle the network like a slow connection.")
    color_scheme: Literal["light", "dark"] | None = None
    weight: float = Field(1.0, ge=0, description="Share of customers on this channel (ranking).")

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value)


class Limits(Model):
    """Limits for one journey on one channel; a run over one of them fails the CI gate (exit 1)."""

    max_seconds: float | None = Field(None, gt=0, description="The journey's measured time (sum of its steps).")
    max_screens: int | None = Field(None, ge=1, description="Distinct screens the customer goes through.")
    max_clicks: int | None = Field(None, ge=0, description="Clicks, taps and choices the customer makes.")
    max_human_seconds: float | None = Field(
        None, gt=0, description="Estimated time a practised customer needs (Keystroke-Level Model + waiting)."
    )
    max_findings: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict,
        description="Most findings of a kind: a rule code (E101), a category (network), a severity "
        "(major: major or worse) or all.",
    )


class JourneyLimits(Limits):
    """A journey's limits, with its own limits per channel."""

    channels: dict[str, Limits] = Field(default_factory=dict, description="This journey on one channel.")


class Budgets(Limits):
    """``budgets:``: the step budget of rule P101, and CI limits for every journey × channel.

    The most specific limit wins: ``journeys.<id>.channels.<name>``, then ``journeys.<id>``, then
    ``channels.<name>``, then the limits at the top of ``budgets``.
    """

    step_seconds: float = Field(3.0, gt=0, description="A step slower than this is a finding.")
    journey_seconds: float | None = Field(None, gt=0)
    channels: dict[str, Limits] = Field(default_factory=dict, description="Limits for every journey on a channel.")
    journeys: dict[str, JourneyLimits] = Field(default_factory=dict, description="Limits for one journey (by id).")


class Timeouts(Model):
    action_seconds: float = Field(5.0, gt=0, le=600, description="Wait for an element or an expectation.")
    navigation_seconds: float = Field(20.0, gt=0, le=600, description="Wait for a page to load.")
    journey_seconds: float = Field(180.0, gt=0, le=7200, description="A whole journey on one channel.")
    step_seconds: float = Field(
        60.0,
        gt=0,
        le=3600,
        description="One step, every wait included; a page that stops responding fails its step here. A step's "
        "own longer timeout or wait extends it for that step.",
    )

    @model_validator(mode="after")
    def _step_fits_its_waits(self) -> Timeouts:
        for name in ("action_seconds", "navigation_seconds"):
            if getattr(self, name) > self.step_seconds:
                raise PydanticCustomError(
                    "step_timeout_short",
                    "step_seconds ({step}) is shorter than {name} ({value}): a step could never wait that long",
                    {"step": f"{self.step_seconds:g}", "name": name, "value": f"{getattr(self, name):g}"},
                )
        return self


class Thresholds(Model):
    """Where the rules draw the line; tune them in ``thresholds:`` of frictionaudit.yaml."""

    ttfb_seconds: float = Field(0.8, gt=0, description="Time to first byte of a page (P102).")
    lcp_seconds: float = Field(2.5, gt=0, description="Largest contentful paint (P103).")
    cls_warn: float = Field(0.1, ge=0, description="Layout shift per step: minor above this (P104).")
    cls_fail: float = Field(0.25, ge=0, description="Layout shift per step: major above this (P104).")
    blocking_ms: float = Field(300, ge=0, description="Main-thread blocking after an action (P105).")
    feedback_seconds: float = Field(1.0, gt=0, description="Nothing changes after a click (P106).")
    tap_target_px: float = Field(24, gt=0, description="Smallest tap target side (M103).")
    min_font_px: float = Field(12, gt=0, description="Smallest readable text (M104).")
    small_text_share: float = Field(
        0.4, gt=0, le=1, description="Share of visible text under min_font_px that makes a finding (M104)."
    )
    screens_below_fold: float = Field(3, gt=0, description="Next control this many screens down (M106).")
    max_form_fields: int = Field(8, gt=0, description="Visible fields in one form (F106).")
    channel_extra_screens: int = Field(
        2, ge=1, description="Extra screens one channel needs for a journey that make C102 major."
    )
    dead_click_seconds: float = Field(
        1.0, gt=0, le=1.0, description="A click with no effect this long is dead (F101; the probe watches 1 s)."
    )
    error_click_seconds: float = Field(1.0, gt=0, le=10, description="An error this soon after an action (F102).")


class RulesConfig(Model):
    disable: list[str] = Field(default_factory=list, description="Rule codes to switch off, e.g. [E102].")


class Config(Model):
    """``frictionaudit.yaml``."""

    base_url: str = Field(description="Where the service lives, e.g. https://www.example.com")
    channels: dict[str, ChannelConfig] = Field(
        default_factory=lambda: {"desktop": ChannelConfig(viewport=Viewport(width=1366, height=768))}
    )
    budgets: Budgets = Field(default_factory=Budgets)
    timeouts: Timeouts = Field(default_factory=Timeouts)
    journeys: str = Field("journeys", description="Folder of journey files, relative to this file.")
    retries: int = Field(1, ge=0, le=3, description="Second tries of a failed step before a journey is blocked.")
    thresholds: Thresholds = Field(default_factory=Thresholds)
    rules: RulesConfig = Field(default_factory=RulesConfig)
    secrets: list[Annotated[str, AfterValidator(_env_name)]] = Field(
        default_factory=list,
        description="Environment variables whose values are secret: masked in every file written and on screen.",
    )
    ignore_https_errors: bool = Field(
        False, description="Accept HTTPS certificates the browser does not trust (a self-signed test server)."
    )

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _http_url(value)

    @field_validator("channels")
    @classmethod
    def _some_channels(cls, value: dict[str, ChannelConfig]) -> dict[str, ChannelConfig]:
        if not value:
            raise PydanticCustomError("no_channels", "name at least one channel")
        return value


# ---------------------------------------------------------------------------- locators


LOCATOR_KINDS = ("role", "text", "label", "placeholder", "testid", "css")


def check_locator(fields: dict[str, Any], name_key: str = "name") -> None:
    """Raise a pydantic error unless ``fields`` name exactly one locator kind (``name`` only with ``role``).

    The error's ``ctx["key"]`` is the key to point at, so the loader can show its line and column.
    """
    kinds = [k for k in LOCATOR_KINDS if fields.get(k) is not None]
    if fields.get(name_key) is not None and fields.get("role") is None:
        raise PydanticCustomError(
            "locator_name_without_role",
            "'{key}' goes with 'role' (e.g. role: button, {key}: Log in)",
            {"key": name_key},
        )
    if not kinds:
        raise PydanticCustomError(
            "locator_no_kind",
            "give one of role, text, label, placeholder, testid or css to find the element",
        )
    if len(kinds) > 1:
        raise PydanticCustomError(
            "locator_kinds",
            "give only one of role, text, label, placeholder, testid or css (found: {found})",
            {"found": ", ".join(kinds), "key": kinds[1]},
        )


class Locator(Model):
    """Where on the page: one of role (+name), text, label, placeholder, testid, css."""

    role: str | None = None
    name: str | None = None
    text: str | None = None
    label: str | None = None
    placeholder: str | None = None
    testid: str | None = None
    css: str | None = None
    exact: bool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Locator:
        check_locator({k: getattr(self, k) for k in (*LOCATOR_KINDS, "name")})
        return self

    def describe(self) -> str:
        if self.role is not None:
            return f'{self.role} "{self.name}"' if self.name else f"any {self.role}"
        for kind in LOCATOR_KINDS[1:]:
            value = getattr(self, kind)
            if value is not None:
                return f'{kind} "{value}"'
        return "element"  # pragma: no cover - validated above


class FillArgs(Locator):
    value: str = Field(description="The text to type.")
    secret: bool = False


class SelectArgs(Locator):
    option: str = Field(description="The option to choose, by its label.")


class CheckArgs(Locator):
    checked: bool = True


class Targeted(Model):
    """Arguments that may name an element with the locator keys."""

    role: str | None = None
    name: str | None = None
    text: str | None = None
    label: str | None = None
    placeholder: str | None = None
    testid: str | None = None
    css: str | None = None

    @model_validator(mode="after")
    def _valid_target(self) -> Targeted:
        fields = self._target_fields()
        if fields:
            check_locator(fields)
        return self

    def _target_fields(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in (*LOCATOR_KINDS, "name") if getattr(self, k) is not None}

    def target(self) -> Locator | None:
        fields = self._target_fields()
        return Locator(**fields) if fields else None


class CaptureArgs(Model):
    """``capture: {name: amount, css: "[data-amount]"}``: here ``name`` names the fact, not an element."""

    name: str = Field(min_length=1, description="The fact's name, compared across channels.")
    role: str | None = None
    accessible_name: str | None = None
    text: str | None = None
    label: str | None = None
    placeholder: str | None = None
    testid: str | None = None
    css: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> CaptureArgs:
        fields = {k: getattr(self, k) for k in LOCATOR_KINDS}
        check_locator({**fields, "accessible_name": self.accessible_name}, name_key="accessible_name")
        return self

    def target(self) -> Locator:
        fields = {k: getattr(self, k) for k in LOCATOR_KINDS if getattr(self, k) is not None}
        if self.accessible_name is not None:
            fields["name"] = self.accessible_name
        return Locator(**fields)

    def describe(self) -> str:
        return self.target().describe()


class PressArgs(Targeted):
    key: str = Field(min_length=1)


class ScrollArgs(Targeted):
    to: Literal["top", "bottom"] | None = None
    pixels: int | None = None

    @model_validator(mode="after")
    def _something(self) -> ScrollArgs:
        if self.to is None and self.pixels is None and not self._target_fields():
            raise PydanticCustomError(
                "scroll_nothing", "say where to scroll: to: bottom, pixels: 600, or a locator such as text: Pay now"
            )
        return self


class WaitArgs(Targeted):
    seconds: float | None = Field(None, gt=0, le=120)

    @model_validator(mode="after")
    def _something(self) -> WaitArgs:
        if self.seconds is None and not self._target_fields():
            raise PydanticCustomError(
                "wait_nothing", "say what to wait for: seconds: 2, or a locator such as text: Payment received"
            )
        return self


class ExpectArgs(Model):
    """What must be true now: visible text, a URL glob, a title, or a visible element."""

    text: str | None = None
    url: str | None = Field(None, description="A glob such as **/receipt")
    title: str | None = None
    visible: Locator | None = None
    hidden: Locator | None = None

    @field_validator("url")
    @classmethod
    def _closed_brackets(cls, value: str | None) -> str | None:
        if value is not None and unclosed_bracket(value) is not None:
            raise PydanticCustomError("url_glob", "the url glob has a '[' that is not closed with ']'")
        return value

    @model_validator(mode="after")
    def _something(self) -> ExpectArgs:
        given = [k for k in ("text", "url", "title", "visible", "hidden") if getattr(self, k) is not None]
        if not given:
            raise PydanticCustomError("expect_nothing", "say what to expect: text, url, title, visible or hidden")
        return self


def unclosed_bracket(glob: str) -> int | None:
    """The index of a ``[`` in a URL glob that no ``]`` closes, or None (a lone ``]`` is literal)."""
    opened: int | None = None
    for i, char in enumerate(glob):
        if char == "[" and opened is None:
            opened = i
        elif char == "]" and opened is not None:
            opened = None
    return opened


# ---------------------------------------------------------------------------- steps


class StepBase(Model):
    name: str | None = Field(None, description="A human name for the step, shown in reports.")
    channels: list[str] | None = Field(None, min_length=1, description="Run this step only on these channels.")
    timeout: float | None = Field(None, gt=0, le=600, description="Seconds, overrides timeouts.action_seconds.")


class GotoStep(StepBase):
    goto: str = Field(min_length=1)
    action: Literal["goto"] = "goto"


class ClickStep(StepBase):
    click: Locator
    action: Literal["click"] = "click"


class FillStep(StepBase):
    fill: FillArgs
    action: Literal["fill"] = "fill"


class SelectStep(StepBase):
    select: SelectArgs
    action: Literal["select"] = "select"


class CheckStep(StepBase):
    check: CheckArgs
    action: Literal["check"] = "check"


class PressStep(StepBase):
    press: PressArgs
    action: Literal["press"] = "press"


class HoverStep(StepBase):
    hover: Locator
    action: Literal["hover"] = "hover"


class ScrollStep(StepBase):
    scroll: ScrollArgs
    action: Literal["scroll"] = "scroll"


class WaitStep(StepBase):
    wait: WaitArgs
    action: Literal["wait"] = "wait"


class ExpectStep(StepBase):
    expect: ExpectArgs
    action: Literal["expect"] = "expect"


class CaptureStep(StepBase):
    capture: CaptureArgs
    action: Literal["capture"] = "capture"


Step = Annotated[
    GotoStep
    | ClickStep
    | FillStep
    | SelectStep
    | CheckStep
    | PressStep
    | HoverStep
    | ScrollStep
    | WaitStep
    | ExpectStep
    | CaptureStep,
    Field(discriminator="action"),
]

ACTIONS: tuple[str, ...] = (
    "goto",
    "click",
    "fill",
    "select",
    "check",
    "press",
    "hover",
    "scroll",
    "wait",
    "expect",
    "capture",
)
STEP_COMMON_KEYS = ("name", "channels", "timeout")


class Journey(Model):
    """``journeys/<id>.yaml``: one customer task, as a list of steps."""

    id: str = Field(description="The file's stem; set by the loader.")
    name: str = Field(min_length=1)
    description: str | None = None
    channels: list[str] | None = Field(None, min_length=1, description="Default: every channel of the config.")
    steps: list[Step] = Field(min_length=1)
    rules: RulesConfig = Field(default_factory=RulesConfig, description="Rules switched off for this journey.")
    weight: float = Field(1.0, ge=0, description="How many customers take this journey, relative to others (ranking).")
    source: str = Field("", description="The file it came from; set by the loader.")


def step_label(step: Any) -> str:
    """A short human description of a step: its name, or what it does."""
    if step.name:
        return str(step.name)
    return describe_step(step)


def describe_step(step: Any) -> str:
    action = step.action
    if action == "goto":
        return f"Open {step.goto}"
    if action == "click":
        return f"Click {step.click.describe()}"
    if action == "fill":
        return f"Fill {step.fill.describe()}"
    if action == "select":
        return f'Select "{step.select.option}" in {step.select.describe()}'
    if action == "check":
        return f"{'Check' if step.check.checked else 'Uncheck'} {step.check.describe()}"
    if action == "press":
        target = step.press.target()
        return f"Press {step.press.key}" + (f" in {target.describe()}" if target else "")
    if action == "hover":
        return f"Hover {step.hover.describe()}"
    if action == "scroll":
        target = step.scroll.target()
        if target:
            return f"Scroll to {target.describe()}"
        return f"Scroll {step.scroll.pixels} px" if step.scroll.pixels else f"Scroll to the {step.scroll.to}"
    if action == "wait":
        target = step.wait.target()
        return f"Wait for {target.describe()}" if target else f"Wait {step.wait.seconds:g} s"
    if action == "expect":
        e = step.expect
        parts = []
        if e.text is not None:
            parts.append(f'text "{e.text}"')
        if e.url is not None:
            parts.append(f"URL {e.url}")
        if e.title is not None:
            parts.append(f'title "{e.title}"')
        if e.visible is not None:
            parts.append(f"{e.visible.describe()} visible")
        if e.hidden is not None:
            parts.append(f"{e.hidden.describe()} hidden")
        return "Expect " + ", ".join(parts)
    if action == "capture":
        return f"Capture {step.capture.name} from {step.capture.describe()}"
    return action  # pragma: no cover
