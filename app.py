"""Start the web app: ``python app.py`` (honours GRADIO_SERVER_NAME / GRADIO_SERVER_PORT)."""

from interviewer.ui.app import main

if __name__ == "__main__":
    main()
