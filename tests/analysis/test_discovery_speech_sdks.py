"""Speech synthesis SDKs priced per character: ElevenLabs (client `text_to_speech.convert`/`stream`,
1.x `client.generate`, 0.x the module's `generate`) and Google Cloud Text-to-Speech
(`TextToSpeechClient.synthesize_speech`); names that only look alike are not requests."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema

from llmsight import api
from llmsight.formats import json_

SCHEMA = Path(__file__).resolve().parents[2] / "llmsight" / "schema" / "check.v1.json"

FILES = {
    "narrate.py": '''
        import os
        from elevenlabs.client import AsyncElevenLabs, ElevenLabs

        client = ElevenLabs(api_key=os.environ["ELEVENLABS_API_KEY"])


        def narrate(text):
            return client.text_to_speech.convert(voice_id="JBFqnCBsd6RMkjVDRZzb", text=text,
                                                 model_id="eleven_multilingual_v2")


        def legacy(text):
            return client.generate(text=text, voice="Rachel", model="eleven_turbo_v2")


        async def live(text):
            aclient = AsyncElevenLabs()
            async for chunk in aclient.text_to_speech.stream(voice_id="v", text=text, model_id="eleven_flash_v2_5"):
                yield chunk
        ''',
    "old_api.py": '''
        from elevenlabs import generate, play

        def speak(text):
            audio = generate(text=text, voice="Bella", model="eleven_monolingual_v1")
            play(audio)
        ''',
    "cloud.py": '''
        from google.cloud import texttospeech

        def synthesize(text):
            client = texttospeech.TextToSpeechClient()
            return client.synthesize_speech(
                input=texttospeech.SynthesisInput(text=text),
                voice=texttospeech.VoiceSelectionParams(language_code="en-US", name="en-US-Studio-O"),
                audio_config=texttospeech.AudioConfig(audio_encoding=texttospeech.AudioEncoding.MP3),
            )
        ''',
    "lookalikes.py": '''
        from elevenlabs.client import ElevenLabs

        class Units:
            def convert(self, text):
                return text

        def voices():
            return ElevenLabs().voices.get_all()

        def units(text):
            return Units().convert(text), generate_report(text)

        def generate_report(text):
            return text
        ''',
}


def scan(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    for rel, text in FILES.items():
        (tmp_path / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    return api.check([tmp_path], select=["NONE"], use_cache=False)


def test_speech_requests_are_sites_with_their_models(tmp_path):
    result = scan(tmp_path)
    found = {(s.span.path, s.function): (s.sdk, s.operation, s.is_async, s.model.value) for s in result.call_sites}
    assert found == {
        ("narrate.py", "narrate"): ("elevenlabs", "audio", False, "eleven_multilingual_v2"),
        ("narrate.py", "legacy"): ("elevenlabs", "audio", False, "eleven_turbo_v2"),
        ("narrate.py", "live"): ("elevenlabs", "audio", True, "eleven_flash_v2_5"),
        ("old_api.py", "speak"): ("elevenlabs", "audio", False, "eleven_monolingual_v1"),
        ("cloud.py", "synthesize"): ("google-cloud-tts", "audio", False, None),
    }
    stream = next(s for s in result.call_sites if s.function == "live")
    assert stream.stream is True


def test_speech_sites_validate_against_the_schema(tmp_path):
    document = json.loads(json_.render(scan(tmp_path)))
    jsonschema.validate(document, json.loads(SCHEMA.read_text()))
